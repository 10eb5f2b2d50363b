using Strata.Kernels;

namespace Strata.Autodiff;

/// <summary>
/// Running per-channel mean and sum of squared deviations over many batches, merged exactly with
/// Chan et al.'s parallel formula; used to recompute a BatchNormalization layer's population
/// statistics and to diagnose what a layer sees. A batch's moments are <see cref="Moments"/>'s.
/// </summary>
public sealed class PopulationStatistics
{
    private readonly double[] _mean, _squaredDeviations, _batch;

    /// <summary>Empty statistics for <paramref name="channels"/> channels.</summary>
    public PopulationStatistics(int channels)
    {
        _mean = new double[channels];
        _squaredDeviations = new double[channels];
        _batch = new double[2 * channels];
        Mean = Array.AsReadOnly(_mean);
        SquaredDeviations = Array.AsReadOnly(_squaredDeviations);
    }

    /// <summary>How many values per channel have been merged.</summary>
    public long Count { get; private set; }

    /// <summary>The running mean of each channel (a read-only view; only merging changes it).</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>The running sum of squared deviations from the mean of each channel (a read-only view).</summary>
    public IReadOnlyList<double> SquaredDeviations { get; }

    /// <summary>Forgets everything merged.</summary>
    public void Reset()
    {
        Count = 0;
        Array.Clear(_mean);
        Array.Clear(_squaredDeviations);
    }

    /// <summary>Merges a batch's per-channel mean and sum of squared deviations over <paramref name="count"/> values.</summary>
    public void Merge(ReadOnlySpan<double> batchMean, ReadOnlySpan<double> batchSquaredDeviations, long count)
    {
        Moments.Merge(_mean, _squaredDeviations, Count, batchMean, batchSquaredDeviations, count);
        Count += count;
    }

    /// <summary>Merges the moments of <paramref name="x"/> viewed as [outer, channels, inner], one channel per statistic.</summary>
    internal void Add(float[] x, int outer, int channels, int inner)
    {
        if (channels != _mean.Length)
            throw new StrataException($"Population statistics of {_mean.Length} channels cannot take a batch of {channels} channels.");
        var mean = _batch.AsSpan(0, channels);
        var squares = _batch.AsSpan(channels);
        Moments.MeanAndSquares(x, 0, 1, outer, channels, inner, mean, squares);
        Merge(mean, squares, (long)outer * inner);
    }

    /// <summary>The variance over everything merged: biased (÷n) or unbiased (÷(n − 1)).</summary>
    public double Variance(int channel, bool unbiased) =>
        _squaredDeviations[channel] / Math.Max(1, unbiased ? Count - 1 : Count);
}
