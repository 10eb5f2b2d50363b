using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// y = x where x &gt; 0, alpha·x elsewhere, with alpha broadcast over x (its axes of size 1 shared);
/// dalpha sums x·dy over the negative inputs that share each alpha.
/// </summary>
internal sealed class PReluNode : Node
{
    private readonly int[]? _map;

    public PReluNode(Node x, Node alpha) : base(x.Graph, x.Value.ShapeArray(), x, alpha)
    {
        if (!ShapeOps.Broadcast(alpha.Shape, x.Shape).AsSpan().SequenceEqual(x.Shape))
            throw new StrataException($"PReLU's alpha {ShapeOps.Format(alpha.Shape)} does not broadcast to its input {ShapeOps.Format(x.Shape)}.");
        _map = Broadcast.OffsetMap(alpha.Shape, x.Shape);
    }

    internal override void Forward()
    {
        var x = Inputs[0].Value.Data;
        var alpha = Inputs[1].Value.Data;
        var y = Value.Data;
        for (int i = 0; i < y.Length; i++)
        {
            float v = x[i];
            y[i] = v > 0 ? v : alpha[_map is null ? i : _map[i]] * v;
        }
    }

    internal override void Backward()
    {
        Node nx = Inputs[0], na = Inputs[1];
        var x = nx.Value.Data;
        var alpha = na.Value.Data;
        var dy = Gradient!.Data;
        var dx = Flows(nx) ? nx.Gradient!.Data : null;
        var dalpha = Flows(na) ? na.Gradient!.Data : null;
        for (int i = 0; i < dy.Length; i++)
        {
            float v = x[i], g = dy[i];
            int a = _map is null ? i : _map[i];
            if (v > 0)
            {
                if (dx is not null) dx[i] += g;
            }
            else
            {
                if (dx is not null) dx[i] += alpha[a] * g;
                if (dalpha is not null) dalpha[a] += v * g;
            }
        }
    }
}
