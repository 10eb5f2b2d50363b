namespace Strata.Distributed;

/// <summary>
/// The mean and variance of a batch split among ranks, from each rank's count, mean and sum of squared
/// deviations per channel (Chan, Golub and LeVeque's pairwise update, in rank order): synchronized
/// BatchNormalization's statistics of the global batch. Shards may differ in size, and a rank may hold none.
/// </summary>
public static class SynchronizedMoments
{
    // This rank's packed moments, then every rank's: reused by each synchronized BatchNormalization step.
    [ThreadStatic] private static double[]? t_buffer;

    /// <summary>Values a rank contributes per channel: count, mean, sum of squared deviations.</summary>
    public const int ValuesPerChannel = 3;

    /// <summary>Writes this rank's (count, mean, M2) of each channel into <paramref name="packed"/>.</summary>
    public static void Pack(long count, ReadOnlySpan<double> mean, ReadOnlySpan<double> squaredDeviations, Span<double> packed)
    {
        for (int c = 0; c < mean.Length; c++)
        {
            packed[c * ValuesPerChannel] = count;
            packed[c * ValuesPerChannel + 1] = count == 0 ? 0 : mean[c];
            packed[c * ValuesPerChannel + 2] = count == 0 ? 0 : squaredDeviations[c];
        }
    }

    /// <summary>
    /// Merges the packed moments of every rank (<see cref="ICommunicator.AllGather(ReadOnlySpan{double}, Span{double})"/>'s layout) into the global
    /// count, mean and sum of squared deviations of each channel.
    /// </summary>
    public static long Merge(ReadOnlySpan<double> gathered, int ranks, Span<double> mean, Span<double> squaredDeviations)
    {
        int channels = mean.Length, stride = channels * ValuesPerChannel;
        if (gathered.Length != ranks * stride)
            throw new ArgumentException($"{ranks} ranks of {channels} channels need {ranks * stride} values; got {gathered.Length}.", nameof(gathered));
        long total = 0;
        for (int c = 0; c < channels; c++)
        {
            double n = 0, m = 0, m2 = 0;
            for (int r = 0; r < ranks; r++)
            {
                int at = r * stride + c * ValuesPerChannel;
                double nb = gathered[at], mb = gathered[at + 1], m2b = gathered[at + 2];
                if (nb == 0) continue;
                double combined = n + nb, delta = mb - m;
                m += delta * nb / combined;
                m2 += m2b + delta * delta * n * nb / combined;
                n = combined;
            }
            mean[c] = m;
            squaredDeviations[c] = m2;
            total = (long)n;
        }
        return total;
    }

    /// <summary>All-gathers this rank's moments and merges them: the global batch's, identical on every rank.</summary>
    public static long AllMerge(ICommunicator communicator, long count, Span<double> mean, Span<double> squaredDeviations)
    {
        int length = mean.Length * ValuesPerChannel;
        if (t_buffer is not { } buffer || buffer.Length < length * (communicator.Size + 1))
            t_buffer = buffer = new double[length * (communicator.Size + 1)];
        var mine = buffer.AsSpan(0, length);
        var all = buffer.AsSpan(length, length * communicator.Size);
        Pack(count, mean, squaredDeviations, mine);
        communicator.AllGather(mine, all);
        return Merge(all, communicator.Size, mean, squaredDeviations);
    }
}
