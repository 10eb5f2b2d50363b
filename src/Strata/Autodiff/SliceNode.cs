using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// The entries <c>start .. start + length</c> of one axis (a time step of a sequence, a gate's
/// columns); backward adds the output's gradient into that window of the input's gradient.
/// </summary>
internal sealed class SliceNode : Node
{
    // The input seen as [outer, axisSize·inner] rows, of which each output row takes one contiguous block.
    private readonly int _outer, _inputRow, _offset, _block;

    public SliceNode(Node x, int axis, int start, int length) : base(x.Graph, OutputShape(x, axis, start, length), x)
    {
        int inner = 1;
        for (int i = axis + 1; i < x.Shape.Length; i++) inner *= x.Shape[i];
        _outer = 1;
        for (int i = 0; i < axis; i++) _outer *= x.Shape[i];
        _inputRow = x.Shape[axis] * inner;
        _offset = start * inner;
        _block = length * inner;
    }

    private static int[] OutputShape(Node x, int axis, int start, int length)
    {
        if (axis < 0 || axis >= x.Shape.Length || start < 0 || length <= 0 || start + length > x.Shape[axis])
            throw new StrataException($"Cannot take entries {start}..{start + length} of axis {axis} of a tensor of shape {ShapeOps.Format(x.Shape)}.");
        var shape = x.Value.ShapeArray();
        shape[axis] = length;
        return shape;
    }

    internal override void Forward()
    {
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        for (int o = 0; o < _outer; o++)
            x.AsSpan(o * _inputRow + _offset, _block).CopyTo(y.AsSpan(o * _block, _block));
    }

    internal override void Backward()
    {
        var dx = Inputs[0].Gradient!.Data;
        var dy = Gradient!.Data;
        for (int o = 0; o < _outer; o++)
        {
            var d = dx.AsSpan(o * _inputRow + _offset, _block);
            RowKernels.Add(d, dy.AsSpan(o * _block, _block), d);
        }
    }
}
