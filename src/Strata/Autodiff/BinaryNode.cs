using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>Element-wise a ∘ b with numpy broadcasting; gradients are summed back over broadcast axes.</summary>
internal sealed class BinaryNode : Node
{
    private readonly BinaryOperator _op;
    private readonly int[]? _mapA, _mapB;

    public BinaryNode(BinaryOperator op, Node a, Node b)
        : base(a.Graph, ShapeOps.Broadcast(a.Shape, b.Shape), a, b)
    {
        _op = op;
        _mapA = Broadcast.OffsetMap(a.Shape, Shape);
        _mapB = Broadcast.OffsetMap(b.Shape, Shape);
    }

    internal override void Forward()
    {
        var a = Inputs[0].Value.Data;
        var b = Inputs[1].Value.Data;
        var y = Value.Data;
        if (_mapA is null && _mapB is null)
        {
            switch (_op)
            {
                case BinaryOperator.Add: RowKernels.Add(a, b, y); return;
                case BinaryOperator.Multiply: RowKernels.Multiply(a, b, y); return;
            }
        }
        for (int i = 0; i < y.Length; i++)
        {
            float u = a[_mapA is null ? i : _mapA[i]], v = b[_mapB is null ? i : _mapB[i]];
            y[i] = _op switch
            {
                BinaryOperator.Add => u + v,
                BinaryOperator.Subtract => u - v,
                BinaryOperator.Multiply => u * v,
                BinaryOperator.Divide => u / v,
                BinaryOperator.Maximum => MathF.Max(u, v),
                _ => MathF.Min(u, v),
            };
        }
    }

    internal override void Backward()
    {
        Node na = Inputs[0], nb = Inputs[1];
        var a = na.Value.Data;
        var b = nb.Value.Data;
        var dy = Gradient!.Data;
        var ga = Flows(na) ? na.Gradient!.Data : null;
        var gb = Flows(nb) ? nb.Gradient!.Data : null;
        for (int i = 0; i < dy.Length; i++)
        {
            int ia = _mapA is null ? i : _mapA[i], ib = _mapB is null ? i : _mapB[i];
            float u = a[ia], v = b[ib], g = dy[i];
            float du, dv;
            switch (_op)
            {
                case BinaryOperator.Add: du = g; dv = g; break;
                case BinaryOperator.Subtract: du = g; dv = -g; break;
                case BinaryOperator.Multiply: du = g * v; dv = g * u; break;
                case BinaryOperator.Divide: du = g / v; dv = -g * u / (v * v); break;
                // Ties send the gradient to the first operand, as TensorFlow does.
                case BinaryOperator.Maximum: du = u >= v ? g : 0; dv = u >= v ? 0 : g; break;
                default: du = u <= v ? g : 0; dv = u <= v ? 0 : g; break;
            }
            if (ga is not null) ga[ia] += du;
            if (gb is not null) gb[ib] += dv;
        }
    }
}
