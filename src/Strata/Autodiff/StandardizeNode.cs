using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// x̂ = (x − mean)/√(variance + ε) with one statistic per (batch, channel) of x viewed as
/// [batch, outer, channels, inner] (layer and group normalization), the biased variance from
/// <see cref="Moments"/>. Backward, with g the output's gradient: dx = (g − mean(g) − x̂·mean(g·x̂))/σ.
/// </summary>
internal sealed class StandardizeNode : Node
{
    private readonly int _batch, _outer, _channels, _inner;
    private readonly float _epsilon;
    private readonly double[] _moments;
    private readonly float[] _mean, _std, _sumG, _sumGX;

    public StandardizeNode(Node x, int batch, int outer, int channels, int inner, float epsilon)
        : base(x.Graph, x.Value.ShapeArray(), x)
    {
        (_batch, _outer, _channels, _inner, _epsilon) = (batch, outer, channels, inner, epsilon);
        int statistics = batch * channels;
        _moments = new double[2 * statistics];
        _mean = new float[statistics];
        _std = new float[statistics];
        _sumG = new float[statistics];
        _sumGX = new float[statistics];
    }

    /// <summary>
    /// The [batch, outer, channels, inner] view of <paramref name="shape"/> in which <paramref name="axes"/>
    /// are outer and inner, or null when the reduced axes do not fall into two such runs.
    /// </summary>
    public static (int Batch, int Outer, int Channels, int Inner)? Layout(ReadOnlySpan<int> shape, int[] axes)
    {
        if (axes.Length == 0) return null;
        foreach (int a in axes)
            if (a < 0 || a >= shape.Length) return null;
        // Runs of adjacent axes alike, kept first: kept, reduced, kept, reduced.
        var runs = new List<int> { 1 };
        bool reduced = false;
        for (int d = 0; d < shape.Length; d++)
        {
            bool r = axes.Contains(d);
            if (r != reduced) { runs.Add(1); reduced = r; }
            runs[^1] *= shape[d];
        }
        if (runs.Count > 4) return null;
        while (runs.Count < 4) runs.Add(1);
        // [batch, 1, channels, inner] is [1, 1, batch·channels, inner]: one contiguous run per statistic.
        return runs[1] == 1 ? (1, 1, runs[0] * runs[2], runs[3]) : (runs[0], runs[1], runs[2], runs[3]);
    }

    internal override void Forward()
    {
        var x = Inputs[0].Value.Data;
        int statistics = _batch * _channels;
        var moments = _moments.AsSpan();
        Moments.MeanAndSquares(x, 0, _batch, _outer, _channels, _inner, moments[..statistics], moments[statistics..]);
        long n = (long)_outer * _inner;
        for (int s = 0; s < statistics; s++)
        {
            _mean[s] = (float)_moments[s];
            _std[s] = MathF.Sqrt((float)(_moments[statistics + s] / n) + _epsilon);
        }
        var y = Value.Data;
        for (int b = 0, start = 0; b < _batch; b++)
            for (int o = 0; o < _outer; o++)
                for (int c = 0; c < _channels; c++, start += _inner)
                    NormalizeRun(x.AsSpan(start, _inner), y.AsSpan(start, _inner), _mean[b * _channels + c], _std[b * _channels + c]);
    }

    internal override void Backward()
    {
        var input = Inputs[0];
        if (!Flows(input)) return;
        var g = Gradient!.Data;
        var xhat = Value.Data;
        var dx = input.Gradient!.Data;
        Moments.Sums(g, xhat, 0, _batch, _outer, _channels, _inner, _sumG, _sumGX);
        float invN = 1f / ((long)_outer * _inner);
        for (int b = 0, start = 0; b < _batch; b++)
            for (int o = 0; o < _outer; o++)
                for (int c = 0; c < _channels; c++, start += _inner)
                {
                    int s = b * _channels + c;
                    InputGradientRun(g.AsSpan(start, _inner), xhat.AsSpan(start, _inner), dx.AsSpan(start, _inner),
                        _std[s], _sumG[s] * invN, _sumGX[s] * invN);
                }
    }

    private static void NormalizeRun(ReadOnlySpan<float> x, Span<float> y, float mean, float std) =>
        StandardizeKernels.Normalize(x, y, mean, std);

    private static void InputGradientRun(ReadOnlySpan<float> g, ReadOnlySpan<float> xhat, Span<float> dx,
        float std, float meanG, float meanGX) => StandardizeKernels.InputGradient(g, xhat, dx, std, meanG, meanGX);
}
