using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>Sum or mean over one axis (or over everything, to a scalar), in a fixed order.</summary>
internal sealed class ReduceNode : Node
{
    private readonly bool _mean;
    private readonly int _outer, _length, _inner;

    /// <summary>Whether the node is a mean over all of a tensor's values, to a scalar.</summary>
    internal bool IsWholeMean => _mean && _outer == 1 && _inner == 1 && Value.Size == 1;

    /// <summary>Reduces over <paramref name="axis"/>, or over all elements when it is null.</summary>
    public ReduceNode(Node x, int? axis, bool keepDims, bool mean)
        : base(x.Graph, OutputShape(x, axis, keepDims), x)
    {
        _mean = mean;
        if (axis is null)
        {
            _outer = 1; _length = x.Value.Size; _inner = 1;
        }
        else
        {
            int a = ShapeOps.NormalizeAxis(axis.Value, x.Shape.Length);
            _outer = ShapeOps.Size(x.Shape[..a]);
            _length = x.Shape[a];
            _inner = ShapeOps.Size(x.Shape[(a + 1)..]);
        }
    }

    private static int[] OutputShape(Node x, int? axis, bool keepDims)
    {
        if (axis is null) return keepDims ? Enumerable.Repeat(1, x.Shape.Length).ToArray() : [];
        int a = ShapeOps.NormalizeAxis(axis.Value, x.Shape.Length);
        var shape = x.Value.ShapeArray().ToList();
        if (keepDims) shape[a] = 1; else shape.RemoveAt(a);
        return shape.ToArray();
    }

    // A whole-tensor mean that is a loss over rows shared among ranks divides by the whole batch's values.
    private float Scale()
    {
        if (!_mean) return 1f;
        var g = Graph;
        if (g.GlobalRows > 0 && ReferenceEquals(g.MeansOverGlobalBatch, this) && g.LocalRows > 0)
            return 1f / (_length / g.LocalRows * g.GlobalRows);
        return 1f / _length;
    }

    internal override void Forward()
    {
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        float scale = Scale();
        for (int o = 0; o < _outer; o++)
            for (int i = 0; i < _inner; i++)
            {
                // Double accumulation keeps a long sum (a loss over a whole batch) exact to float precision.
                double s = 0;
                int baseIndex = o * _length * _inner + i;
                for (int l = 0; l < _length; l++) s += x[baseIndex + l * _inner];
                y[o * _inner + i] = (float)(s * scale);
            }
    }

    internal override void Backward()
    {
        var dx = Inputs[0].Gradient!.Data;
        var dy = Gradient!.Data;
        float scale = Scale();
        for (int o = 0; o < _outer; o++)
            for (int i = 0; i < _inner; i++)
            {
                float g = dy[o * _inner + i] * scale;
                int baseIndex = o * _length * _inner + i;
                for (int l = 0; l < _length; l++) dx[baseIndex + l * _inner] += g;
            }
    }
}
