namespace Strata.Kernels;

/// <summary>
/// Per-channel statistics of data viewed as [batch, outer, channels, inner]: one statistic per
/// (batch, channel), over its outer × inner values. This is the one summation order every
/// normalization uses. A statistic's values, taken in memory order, are cut into blocks of
/// <see cref="BlockLength"/> values; each block is summed in order in double (its mean, then its
/// squared deviations from that mean, a second pass that reads from L2); the blocks are merged in
/// block order (Chan et al.'s parallel formula). Double sums of floats hardly depend on how the values
/// were grouped, so a batch split among ranks gets the statistics of the whole batch to the last float bit
/// but for rare ties, and a gradient that is constant over a batch sums to exactly its count times itself. Blocks are the unit of parallel work, so
/// results do not depend on the thread count, and the same values give the same bits whether the
/// channels are last (rows × channels, vectorised across channels) or inside (strided runs).
/// </summary>
internal static partial class Moments
{
    /// <summary>Channels one work item of the rows layout covers (the vector loops' width).</summary>
    public const int ChannelsPerItem = 64;

    private const int BlockFloats = 1 << 15;

    [ThreadStatic] private static MomentsTask? _task;

    /// <summary>Values per block for a channel count: a block of rows × up to 64 channels fills 128 KiB.</summary>
    public static int BlockLength(int channels) => Math.Max(1, BlockFloats / Math.Min(Math.Max(channels, 1), ChannelsPerItem));

    /// <summary>
    /// The mean and the sum of squared deviations of each statistic s = b·channels + c of
    /// x[offset..] viewed as [batch, outer, channels, inner].
    /// </summary>
    public static void MeanAndSquares(float[] x, int offset, int batch, int outer, int channels, int inner,
        Span<double> mean, Span<double> squares)
    {
        var t = Run(x, null, offset, batch, outer, channels, inner, Reduction.Moments);
        long n = (long)outer * inner;
        for (int s = 0; s < batch * channels; s++)
        {
            int b = s / channels, c = s % channels;
            double sum = 0;
            for (int k = 0; k < t.Blocks; k++) sum += (double)t.First[t.Partial(b, k, c)] * t.BlockValues(k);
            double m = sum / n, q = 0;
            for (int k = 0; k < t.Blocks; k++)
            {
                double d = t.First[t.Partial(b, k, c)] - m;
                q += t.Second[t.Partial(b, k, c)] + d * d * t.BlockValues(k);
            }
            mean[s] = m;
            squares[s] = q;
        }
        t.Clear();
    }

    /// <summary>
    /// Σa and Σa·b of each statistic (a gradient's sums in the normalizations' backward passes),
    /// in double, the blocks added in block order.
    /// </summary>
    public static void Sums(float[] a, float[] b, int offset, int batch, int outer, int channels, int inner,
        Span<double> sumA, Span<double> sumAB)
    {
        var t = Run(a, b, offset, batch, outer, channels, inner, Reduction.Sums);
        for (int s = 0; s < batch * channels; s++) (sumA[s], sumAB[s]) = t.BlockSums(s);
        t.Clear();
    }

    /// <summary>
    /// Σa and Σa·x̂ of each channel (batch 1), x̂ = (x − mean)·invStd taken per value in float as the
    /// normalizations' forward passes compute it: the sums of <see cref="Sums(float[], float[], int, int, int, int, int, Span{double}, Span{double})"/>
    /// over a stored x̂, without storing it.
    /// </summary>
    public static void NormalizedSums(float[] a, float[] x, float[] mean, float[] invStd, int outer, int channels, int inner,
        Span<double> sumA, Span<double> sumAXHat)
    {
        var t = Run(a, x, 0, 1, outer, channels, inner, Reduction.Sums, mean, invStd);
        for (int s = 0; s < channels; s++) (sumA[s], sumAXHat[s]) = t.BlockSums(s);
        t.Clear();
    }

    /// <summary>The double sums of <see cref="Sums(float[], float[], int, int, int, int, int, Span{double}, Span{double})"/>, each rounded once to float.</summary>
    public static void Sums(float[] a, float[] b, int offset, int batch, int outer, int channels, int inner,
        Span<float> sumA, Span<float> sumAB)
    {
        var t = Run(a, b, offset, batch, outer, channels, inner, Reduction.Sums);
        for (int s = 0; s < batch * channels; s++)
        {
            var (first, second) = t.BlockSums(s);
            (sumA[s], sumAB[s]) = ((float)first, (float)second);
        }
        t.Clear();
    }

    /// <summary>
    /// Merges a batch's per-channel mean and squared deviations over <paramref name="batchCount"/>
    /// values each into running ones over <paramref name="count"/> values (Chan et al.), in channel order.
    /// </summary>
    public static void Merge(Span<double> mean, Span<double> squares, long count,
        ReadOnlySpan<double> batchMean, ReadOnlySpan<double> batchSquares, long batchCount)
    {
        if (batchCount == 0) return;
        long total = count + batchCount;
        for (int c = 0; c < mean.Length; c++)
        {
            double delta = batchMean[c] - mean[c];
            mean[c] += delta * batchCount / total;
            squares[c] += batchSquares[c] + delta * delta * count * batchCount / total;
        }
    }

    private static MomentsTask Run(float[] x, float[]? y, int offset, int batch, int outer, int channels, int inner, Reduction kind,
        float[]? mean = null, float[]? invStd = null)
    {
        var t = _task ??= new MomentsTask();
        t.Prepare(x, y, offset, batch, outer, channels, inner, kind);
        (t.Mean, t.InvStd) = (mean, invStd);
        WorkerPool.Run(t, t.Items);
        return t;
    }

    private enum Reduction { Moments, Sums }

    /// <summary>One block per work item; each writes its own partial results, merged by the caller in block order.</summary>
    private sealed partial class MomentsTask : ParallelTask
    {
        private float[]? _x, _y;
        private int _offset, _batch, _outer, _channels, _inner, _blockLength, _groups;
        private long _values;
        private Reduction _kind;

        // The instruction-set path of the call, read once on the calling thread; every path gives the same bits.
        private InstructionSet _set;

        /// <summary>Per (batch, block, channel): the block's mean and squared deviations, or Σa and Σa·b.</summary>
        public double[] First = [], Second = [];

        public int Blocks, Items;

        /// <summary>Where given, Sums reads the second operand as (y − mean)·invStd per channel.</summary>
        public float[]? Mean, InvStd;

        public void Prepare(float[] x, float[]? y, int offset, int batch, int outer, int channels, int inner, Reduction kind)
        {
            (_x, _y, _offset, _batch, _outer, _channels, _inner, _kind) = (x, y, offset, batch, outer, channels, inner, kind);
            _set = InstructionSets.Current;
            _values = (long)outer * inner;
            _blockLength = BlockLength(channels);
            Blocks = (int)((_values + _blockLength - 1) / _blockLength);
            _groups = (channels + ChannelsPerItem - 1) / ChannelsPerItem;
            Items = inner == 1 ? batch * Blocks * _groups : batch * channels;
            int partials = batch * Blocks * channels;
            if (First.Length < partials)
            {
                First = new double[partials];
                Second = new double[partials];
            }
        }

        public void Clear() => _x = _y = Mean = InvStd = null;

        public int Partial(int b, int k, int c) => (b * Blocks + k) * _channels + c;

        // Statistic s's two sums over its blocks, in block order.
        public (double First, double Second) BlockSums(int s)
        {
            int b = s / _channels, c = s % _channels;
            double first = 0, second = 0;
            for (int k = 0; k < Blocks; k++)
            {
                first += First[Partial(b, k, c)];
                second += Second[Partial(b, k, c)];
            }
            return (first, second);
        }

        public int BlockValues(int k) => (int)Math.Min(_blockLength, _values - (long)k * _blockLength);

        public override void Execute(int index)
        {
            if (_inner == 1) ExecuteRows(index);
            else ExecuteStrided(index / _channels, index % _channels);
        }

        // Channels inside: one item per statistic, its blocks in turn, each a series of contiguous runs.
        private void ExecuteStrided(int b, int c)
        {
            for (int k = 0; k < Blocks; k++)
            {
                long t0 = (long)k * _blockLength, t1 = t0 + BlockValues(k);
                double first = 0, second = 0;
                if (_kind == Reduction.Moments)
                {
                    for (long t = t0; t < t1;)
                    {
                        var run = Run(_x!, b, c, t, t1);
                        for (int i = 0; i < run.Length; i++) first += run[i];
                        t += run.Length;
                    }
                    first /= t1 - t0;
                    for (long t = t0; t < t1;)
                    {
                        var run = Run(_x!, b, c, t, t1);
                        for (int i = 0; i < run.Length; i++) { double d = run[i] - first; second += d * d; }
                        t += run.Length;
                    }
                }
                else
                {
                    bool normalized = Mean is not null;
                    float mean = normalized ? Mean![c] : 0f, invStd = normalized ? InvStd![c] : 1f;
                    for (long t = t0; t < t1;)
                    {
                        var a = Run(_x!, b, c, t, t1);
                        var w = Run(_y!, b, c, t, t1);
                        if (normalized)
                            for (int i = 0; i < a.Length; i++) { first += a[i]; second += (double)a[i] * ((w[i] - mean) * invStd); }
                        else
                            for (int i = 0; i < a.Length; i++) { first += a[i]; second += (double)a[i] * w[i]; }
                        t += a.Length;
                    }
                }
                First[Partial(b, k, c)] = first;
                Second[Partial(b, k, c)] = second;
            }
        }

        // The contiguous values of statistic (b, c) from its t-th value, up to its t1-th.
        private ReadOnlySpan<float> Run(float[] data, int b, int c, long t, long t1)
        {
            long o = t / _inner;
            int i = (int)(t - o * _inner);
            int length = (int)Math.Min(_inner - i, t1 - t);
            return data.AsSpan(_offset + (int)(((b * _outer + o) * _channels + c) * _inner) + i, length);
        }
    }
}
