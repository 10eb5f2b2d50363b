using Strata.Distributed;
using Strata.Tensors;

namespace Strata.Kernels;

/// <summary>
/// Fused batch normalization over a tensor viewed as [outer, channels, inner] (channels-last data
/// has inner = 1). The statistics and the gradient sums come from <see cref="Moments"/>; the
/// element passes here normalize, keeping 1/σ for the backward pass, which takes x̂ = (x − mean)/σ again from x
/// (the bits the forward pass computed) rather than a stored copy:
///   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/σ · (dy − dβ/N − x̂·dγ/N)   (training)
///   dx = γ/σ · dy                                                  (moving statistics).
/// Channels-last data is cut into the same grid of row blocks by groups of channels as the
/// statistics; channels-inside data is split by channel.
/// </summary>
internal static partial class BatchNormKernels
{
    [ThreadStatic] private static BatchNormTask? _task;

    /// <summary>
    /// Normalizes x. With batch statistics (<see cref="CallMode.IsTraining"/>) it writes the batch
    /// mean and biased variance first (of the global batch, with <paramref name="synchronized"/> ranks);
    /// otherwise it reads the given ones. Writes 1/σ, and x̂ where <paramref name="xhat"/> is given; with
    /// <paramref name="relu"/> y is max(x̂·γ + β, 0). Returns the batch's values per statistic.
    /// </summary>
    public static long Forward(float[] x, int outer, int channels, int inner, float epsilon,
        float[]? gamma, float[]? beta, float[] mean, float[] variance, float[] invStd, float[]? xhat, float[] y, CallMode mode,
        ICommunicator? synchronized = null, bool relu = false)
    {
        var t = Prepare(x, outer, channels, inner, gamma, beta);
        t.Epsilon = epsilon; t.Mean = mean; t.Variance = variance; t.InvStd = invStd; t.XHat = xhat; t.Y = y; t.Relu = relu;
        long n = (long)outer * inner;
        if (mode.IsTraining)
        {
            var moments = t.Statistics.AsSpan(0, 2 * channels);
            Moments.MeanAndSquares(x, 0, 1, outer, channels, inner, moments[..channels], moments[channels..]);
            // Synchronized: the global batch's moments, merged from every rank's in rank order.
            if (synchronized is { Size: > 1 })
                n = SynchronizedMoments.AllMerge(synchronized, n, moments[..channels], moments[channels..]);
            for (int c = 0; c < channels; c++)
            {
                mean[c] = (float)moments[c];
                variance[c] = (float)(moments[channels + c] / n);
            }
        }
        t.PrepareNormalize();
        t.Run(GridPass.Normalize);
        return n;
    }

    /// <summary>
    /// Accumulates into dγ, dβ and dx where they are given (writes dx instead when not <paramref name="accumulate"/>,
    /// which may then be <paramref name="dy"/> itself); <paramref name="mode"/> is the forward pass's. With
    /// <paramref name="synchronized"/> ranks the means dx needs are over the global batch of <paramref name="count"/>
    /// values per statistic (what <see cref="Forward"/> returned); dγ and dβ get this rank's part. x, mean and
    /// invStd are the forward pass's. <paramref name="givenSums"/>, where given, are Σdy then Σdy·x̂ per channel,
    /// taken already (over the ranks that share them).
    /// </summary>
    public static void Backward(float[] dy, float[] x, float[] mean, float[] invStd, int outer, int channels, int inner,
        float[]? gamma, float[]? dGamma, float[]? dBeta, float[]? dx, CallMode mode, ICommunicator? synchronized = null, long count = 0,
        bool accumulate = true, ReadOnlySpan<double> givenSums = default)
    {
        var t = Prepare(dy, outer, channels, inner, gamma, null);
        t.Input = x; t.Mean = mean; t.InvStd = invStd; t.Dx = dx; t.Accumulate = accumulate;
        bool training = mode.IsTraining;
        var sumDy = t.GradientSums.AsSpan(0, channels);
        var sumDyXHat = t.GradientSums.AsSpan(channels, channels);
        if (!givenSums.IsEmpty) givenSums[..(2 * channels)].CopyTo(t.GradientSums);
        else if (training || dGamma is not null || dBeta is not null)
            Moments.NormalizedSums(dy, x, mean, invStd, outer, channels, inner, sumDy, sumDyXHat);
        for (int c = 0; c < channels; c++)
        {
            if (dBeta is not null) dBeta[c] += (float)sumDy[c];
            if (dGamma is not null) dGamma[c] += (float)sumDyXHat[c];
        }
        if (dx is not null)
        {
            if (training && synchronized is { Size: > 1 } && givenSums.IsEmpty)
                synchronized.AllReduceSum(t.GradientSums.AsSpan(0, 2 * channels));
            t.PrepareInputGradient(training, count > 0 ? count : (long)outer * inner);
            t.Run(GridPass.InputGradient);
        }
        t.Clear();
    }

    private static BatchNormTask Prepare(float[] x, int outer, int channels, int inner, float[]? gamma, float[]? beta)
    {
        var t = _task ??= new BatchNormTask();
        t.X = x; t.Outer = outer; t.Channels = channels; t.Inner = inner; t.Gamma = gamma; t.Beta = beta;
        t.Grow(channels);
        return t;
    }

    private enum GridPass { Normalize, InputGradient }

    private sealed partial class BatchNormTask : ParallelTask
    {
        // X is the pass's operand: x forward, dy backward, where Input is the forward pass's x.
        public float[]? X, Input, Gamma, Beta, Mean, Variance, InvStd, XHat, Y, Dx;
        public int Outer, Channels, Inner;
        public float Epsilon;
        public bool Accumulate, Relu;

        private GridPass _pass;
        private int _rowsPerBlock, _groups;
        // Per channel, what the element passes apply: γ and β (forward); γ/σ, mean dy and mean dy·x̂ (backward).
        private float[] _scale = [], _shift = [], _meanDyXHat = [];

        /// <summary>The statistics' mean and squared deviations, then the gradient sums, per channel.</summary>
        public double[] Statistics = [];

        public double[] GradientSums = [];

        public void Clear() => X = Input = Gamma = Beta = Mean = Variance = InvStd = XHat = Y = Dx = null;

        public void Grow(int channels)
        {
            if (_scale.Length >= channels) return;
            _scale = new float[channels];
            _shift = new float[channels];
            _meanDyXHat = new float[channels];
            Statistics = new double[2 * channels];
            GradientSums = new double[2 * channels];
        }

        public void Run(GridPass pass)
        {
            _pass = pass;
            if (Inner == 1)
            {
                _rowsPerBlock = Moments.BlockLength(Channels);
                _groups = (Channels + Moments.ChannelsPerItem - 1) / Moments.ChannelsPerItem;
                WorkerPool.Run(this, (Outer + _rowsPerBlock - 1) / _rowsPerBlock * _groups);
            }
            else
            {
                WorkerPool.Run(this, Channels);
            }
            Clear();
        }

        public void PrepareNormalize()
        {
            for (int c = 0; c < Channels; c++)
            {
                InvStd![c] = 1f / MathF.Sqrt(Variance![c] + Epsilon);
                _scale[c] = Gamma is null ? 1f : Gamma[c];
                _shift[c] = Beta is null ? 0f : Beta[c];
            }
        }

        // dx's coefficients: γ/σ, and the means of dy and dy·x̂, zero with moving statistics.
        public void PrepareInputGradient(bool training, long count)
        {
            for (int c = 0; c < Channels; c++)
            {
                _scale[c] = (Gamma is null ? 1f : Gamma[c]) * InvStd![c];
                _shift[c] = training ? (float)(GradientSums[c] / count) : 0f;
                _meanDyXHat[c] = training ? (float)(GradientSums[Channels + c] / count) : 0f;
            }
        }

        public override void Execute(int index)
        {
            if (Inner != 1)
            {
                ExecuteStrided(index);
                return;
            }
            int block = index / _groups, c0 = index % _groups * Moments.ChannelsPerItem;
            int width = Math.Min(Moments.ChannelsPerItem, Channels - c0);
            int r0 = block * _rowsPerBlock, r1 = Math.Min(Outer, r0 + _rowsPerBlock);
            ExecuteRows(r0, r1, c0, width);
        }

        // Channels inside: one item per channel, each a set of contiguous inner runs.
        private void ExecuteStrided(int c)
        {
            float mean = Mean![c], inv = InvStd![c], scale = _scale[c], shift = _shift[c], meanDyXHat = _meanDyXHat[c];
            for (int o = 0; o < Outer; o++)
            {
                int start = (o * Channels + c) * Inner;
                if (_pass == GridPass.Normalize)
                {
                    var x = X.AsSpan(start, Inner);
                    var y = Y.AsSpan(start, Inner);
                    if (XHat is null) for (int i = 0; i < x.Length; i++) y[i] = (x[i] - mean) * inv * scale + shift;
                    else
                    {
                        var h = XHat.AsSpan(start, Inner);
                        for (int i = 0; i < x.Length; i++) { float v = (x[i] - mean) * inv; h[i] = v; y[i] = v * scale + shift; }
                    }
                    if (Relu) for (int i = 0; i < y.Length; i++) y[i] = MathF.Max(y[i], 0f);
                }
                else
                {
                    var dy = X.AsSpan(start, Inner);
                    var x = Input.AsSpan(start, Inner);
                    var dx = Dx.AsSpan(start, Inner);
                    if (Accumulate) for (int i = 0; i < dy.Length; i++) dx[i] += scale * (dy[i] - shift - (x[i] - mean) * inv * meanDyXHat);
                    else for (int i = 0; i < dy.Length; i++) dx[i] = scale * (dy[i] - shift - (x[i] - mean) * inv * meanDyXHat);
                }
            }
        }
    }
}
