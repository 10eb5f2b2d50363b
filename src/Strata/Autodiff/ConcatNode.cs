using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// Tensors joined along one axis (the steps of a sequence); every other axis must agree. Backward
/// hands each input its own window of the output's gradient.
/// </summary>
internal sealed class ConcatNode : Node
{
    // Each input seen as [outer, block] rows; the output row holds the inputs' blocks side by side.
    private readonly int _outer, _outputRow;
    private readonly int[] _blocks, _offsets;

    public ConcatNode(Node[] parts, int axis) : base(parts[0].Graph, OutputShape(parts, axis), parts)
    {
        int inner = 1;
        for (int i = axis + 1; i < Shape.Length; i++) inner *= Shape[i];
        _outer = 1;
        for (int i = 0; i < axis; i++) _outer *= Shape[i];
        _outputRow = Shape[axis] * inner;
        _blocks = new int[parts.Length];
        _offsets = new int[parts.Length];
        for (int p = 0, offset = 0; p < parts.Length; p++)
        {
            _blocks[p] = parts[p].Shape[axis] * inner;
            _offsets[p] = offset;
            offset += _blocks[p];
        }
    }

    private static int[] OutputShape(Node[] parts, int axis)
    {
        if (parts.Length == 0) throw new StrataException("Concatenation needs at least one tensor.");
        var shape = parts[0].Value.ShapeArray();
        if (axis < 0 || axis >= shape.Length) throw new StrataException($"Cannot concatenate along axis {axis} of tensors of shape {ShapeOps.Format(shape)}.");
        for (int p = 1; p < parts.Length; p++)
        {
            var other = parts[p].Shape;
            bool same = other.Length == shape.Length;
            for (int i = 0; same && i < shape.Length; i++) same = i == axis || other[i] == shape[i];
            if (!same) throw new StrataException($"Cannot concatenate shapes {ShapeOps.Format(shape)} and {ShapeOps.Format(other)} along axis {axis}.");
            shape[axis] += other[axis];
        }
        return shape;
    }

    internal override void Forward()
    {
        var y = Value.Data;
        for (int p = 0; p < Inputs.Count; p++)
        {
            var x = Inputs[p].Value.Data;
            int block = _blocks[p], offset = _offsets[p];
            for (int o = 0; o < _outer; o++)
                x.AsSpan(o * block, block).CopyTo(y.AsSpan(o * _outputRow + offset, block));
        }
    }

    internal override void Backward()
    {
        var dy = Gradient!.Data;
        for (int p = 0; p < Inputs.Count; p++)
        {
            if (!Flows(Inputs[p])) continue;
            var dx = Inputs[p].Gradient!.Data;
            int block = _blocks[p], offset = _offsets[p];
            for (int o = 0; o < _outer; o++)
            {
                var d = dx.AsSpan(o * block, block);
                RowKernels.Add(d, dy.AsSpan(o * _outputRow + offset, block), d);
            }
        }
    }
}
