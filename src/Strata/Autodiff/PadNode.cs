using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>Zero padding of the two spatial axes of channels-last maps [N, H, W, C]; backward takes the inner window.</summary>
internal sealed class PadNode : Node
{
    private readonly int _top, _left, _h, _w, _c, _outH, _outW;

    public PadNode(Node x, int top, int bottom, int left, int right)
        : base(x.Graph, [x.Shape[0], x.Shape[1] + top + bottom, x.Shape[2] + left + right, x.Shape[3]], x)
    {
        (_top, _left, _h, _w, _c) = (top, left, x.Shape[1], x.Shape[2], x.Shape[3]);
        (_outH, _outW) = (Shape[1], Shape[2]);
    }

    internal override void Forward()
    {
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        Array.Clear(y);
        int rowLength = _w * _c;
        for (int n = 0; n < Shape[0]; n++)
            for (int i = 0; i < _h; i++)
                x.AsSpan(((n * _h + i) * _w) * _c, rowLength).CopyTo(y.AsSpan(((n * _outH + i + _top) * _outW + _left) * _c));
    }

    internal override void Backward()
    {
        var dx = Inputs[0].Gradient!.Data;
        var dy = Gradient!.Data;
        int rowLength = _w * _c;
        for (int n = 0; n < Shape[0]; n++)
            for (int i = 0; i < _h; i++)
            {
                var d = dx.AsSpan(((n * _h + i) * _w) * _c, rowLength);
                Kernels.RowKernels.Add(d, dy.AsSpan(((n * _outH + i + _top) * _outW + _left) * _c, rowLength), d);
            }
    }
}
