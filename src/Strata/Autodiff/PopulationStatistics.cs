namespace Strata.Autodiff;

/// <summary>
/// Running per-channel mean and sum of squared deviations over many batches, merged exactly with
/// Chan et al.'s parallel formula; used to recompute a BatchNormalization layer's population statistics.
/// </summary>
public sealed class PopulationStatistics
{
    public PopulationStatistics(int channels)
    {
        Mean = new double[channels];
        SquaredDeviations = new double[channels];
    }

    /// <summary>How many values per channel have been merged.</summary>
    public long Count { get; private set; }

    public double[] Mean { get; }

    public double[] SquaredDeviations { get; }

    public void Reset()
    {
        Count = 0;
        Array.Clear(Mean);
        Array.Clear(SquaredDeviations);
    }

    /// <summary>Merges a batch's per-channel mean and sum of squared deviations over <paramref name="count"/> values.</summary>
    public void Merge(ReadOnlySpan<double> batchMean, ReadOnlySpan<double> batchSquaredDeviations, long count)
    {
        if (count == 0) return;
        long total = Count + count;
        for (int c = 0; c < Mean.Length; c++)
        {
            double delta = batchMean[c] - Mean[c];
            Mean[c] += delta * count / total;
            SquaredDeviations[c] += batchSquaredDeviations[c] + delta * delta * Count * count / total;
        }
        Count = total;
    }

    /// <summary>The variance over everything merged: biased (÷n) or unbiased (÷(n − 1)).</summary>
    public double Variance(int channel, bool unbiased) =>
        SquaredDeviations[channel] / Math.Max(1, unbiased ? Count - 1 : Count);
}
