using Strata.Distributed;
using Strata.Kernels;

namespace Strata.Autodiff;

/// <summary>
/// BatchNormalization's statistics and gradient sums in fixed point (<see cref="Graph.ReproducibleSums"/>): each sum's
/// bound is the largest magnitude of its terms over the batch (over the ranks that share it), so its bits do not
/// depend on how the rows are split. The mean comes first (Σx), then the squared deviations about it.
/// </summary>
internal sealed class FixedPointStatistics(int channels)
{
    private readonly double[] _maxima = new double[2 * channels], _mean = new double[channels], _sums = new double[2 * channels];
    private readonly long[] _integers = new long[2 * channels];
    private readonly int[] _scale = new int[2 * channels];

    /// <summary>
    /// Writes each channel's mean and biased variance over <paramref name="count"/> values (the whole batch's, with
    /// <paramref name="synchronized"/> ranks, which exchange maxima and sums); returns the count.
    /// </summary>
    public long Moments(float[] x, int outer, int channels, int inner, ICommunicator? synchronized, long count, float[] mean, float[] variance)
    {
        var max = _maxima.AsSpan(0, channels);
        var scale = _scale.AsSpan(0, channels);
        var sums = _integers.AsSpan(0, channels);
        bool shared = synchronized is { Size: > 1 };
        FixedPointSums.ChannelMaxima(x, outer, channels, inner, max);
        if (shared) synchronized!.AllReduceMax(max);
        int bits = FixedPointSums.Bits(count);
        for (int c = 0; c < channels; c++) scale[c] = FixedPointSums.Scale(bits, FixedPointSums.Exponent(max[c]));
        sums.Clear();
        FixedPointSums.AddChannelSums(x, outer, channels, inner, scale, sums);
        if (shared) synchronized!.AllReduceSum(sums);
        for (int c = 0; c < channels; c++)
        {
            _mean[c] = FixedPointSums.Value(sums[c], scale[c]) / count;
            // |x − mean| < 2^e for this e (a factor two spare for the roundings), so a squared deviation is below 2^2e.
            int e = FixedPointSums.Exponent(max[c] + Math.Abs(_mean[c]));
            scale[c] = e == FixedPointSums.NonFinite ? e : bits - 2 * (e + 1);
        }
        sums.Clear();
        FixedPointSums.AddChannelSquaredDeviations(x, outer, channels, inner, _mean, scale, sums);
        if (shared) synchronized!.AllReduceSum(sums);
        for (int c = 0; c < channels; c++)
        {
            mean[c] = (float)_mean[c];
            variance[c] = (float)(FixedPointSums.Value(sums[c], scale[c]) / count);
        }
        return count;
    }

    /// <summary>
    /// Σdy then Σdy·x̂ per channel, for the input gradient: this rank's, or the whole batch's with <paramref name="synchronized"/>
    /// ranks. Each sum's bound is the maximum over all <paramref name="ranks"/>, and over <paramref name="terms"/> terms
    /// (the whole batch's), since γ's and β's sums, added to <paramref name="gamma"/> and <paramref name="beta"/> where
    /// given, are added up over the ranks; where γ or β keep float gradients (<paramref name="floatGamma"/>,
    /// <paramref name="floatBeta"/>), this rank's sums are added to them rounded.
    /// </summary>
    public ReadOnlySpan<double> GradientSums(float[] dy, float[] x, float[] mean, float[] invStd, int outer, int channels, int inner,
        ICommunicator ranks, long terms, FixedPointGradient? gamma, FixedPointGradient? beta, float[]? floatGamma, float[]? floatBeta,
        ICommunicator? synchronized)
    {
        var maxima = _maxima.AsSpan(0, 2 * channels);
        var scale = _scale.AsSpan(0, 2 * channels);
        var sums = _integers.AsSpan(0, 2 * channels);
        FixedPointSums.GradientMaxima(dy, x, mean, invStd, outer, channels, inner, maxima[..channels], maxima[channels..]);
        ranks.AllReduceMax(maxima);
        int bits = FixedPointSums.Bits(terms);
        for (int k = 0; k < 2 * channels; k++) scale[k] = FixedPointSums.Scale(bits, FixedPointSums.Exponent(maxima[k]));
        sums.Clear();
        FixedPointSums.AddGradientSums(dy, x, mean, invStd, outer, channels, inner, scale[..channels], scale[channels..], sums[..channels], sums[channels..]);
        for (int c = 0; c < channels; c++)
        {
            if (beta is not null) { beta.ColumnScale[c] = scale[c]; beta.Sums[c] += sums[c]; }
            if (gamma is not null) { gamma.ColumnScale[c] = scale[channels + c]; gamma.Sums[c] += sums[channels + c]; }
            if (floatBeta is not null) floatBeta[c] += (float)FixedPointSums.Value(sums[c], scale[c]);
            if (floatGamma is not null) floatGamma[c] += (float)FixedPointSums.Value(sums[channels + c], scale[channels + c]);
        }
        if (synchronized is { Size: > 1 }) synchronized.AllReduceSum(sums);
        for (int k = 0; k < 2 * channels; k++) _sums[k] = FixedPointSums.Value(sums[k], scale[k]);
        return _sums.AsSpan(0, 2 * channels);
    }
}
