using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// Inverted dropout: y = x·m/(1 − rate) with m ~ Bernoulli(1 − rate), drawn afresh on every
/// forward pass. The mask has the noise shape (1 on axes where it is shared) and is broadcast over x.
/// </summary>
internal sealed class DropoutNode : Node
{
    private readonly float _rate;
    private readonly RandomStream _random;
    private readonly float[] _mask;
    private readonly int[]? _maskMap;
    // Mask values per row when each row has its own (not for a mask shared across the batch, nor for a weight's).
    private readonly long _perRow;

    public DropoutNode(Node x, float rate, int[] noiseShape, RandomStream random)
        : base(x.Graph, x.Value.ShapeArray(), x)
    {
        _rate = rate;
        _random = random;
        _mask = new float[ShapeOps.Size(noiseShape)];
        _maskMap = Broadcast.OffsetMap(noiseShape, x.Shape);
        _perRow = x is ParameterNode || noiseShape[0] == 1 ? 0 : _mask.Length / noiseShape[0];
    }

    /// <summary>The last mask drawn: 0 for dropped units, 1/(1 − rate) for kept ones.</summary>
    public ReadOnlySpan<float> Mask => _mask;

    internal override void Forward()
    {
        ulong key = _random.NextKey();
        float keepScale = _rate >= 1f ? 0f : 1f / (1f - _rate);
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        if (_maskMap is null)
        {
            DropoutKernels.Forward(key, _rate, keepScale, _mask, x, y, Graph.FirstIndex(_perRow));
            return;
        }
        DropoutKernels.Forward(key, _rate, keepScale, _mask, null, null, Graph.FirstIndex(_perRow));
        for (int i = 0; i < y.Length; i++) y[i] = x[i] * _mask[_maskMap[i]];
    }

    internal override bool BackwardInPlace(int input) => true;

    internal override void Backward()
    {
        var dx = Inputs[0].Gradient!.Data;
        var dy = Gradient!.Data;
        if (ReferenceEquals(dx, dy))
        {
            if (_maskMap is null) RowKernels.Multiply(dy, _mask, dx);
            else for (int i = 0; i < dy.Length; i++) dx[i] = dy[i] * _mask[_maskMap[i]];
            return;
        }
        if (_maskMap is null)
            RowKernels.MultiplyAdd(dy, _mask, dx);
        else
            for (int i = 0; i < dy.Length; i++) dx[i] += dy[i] * _mask[_maskMap[i]];
    }
}
