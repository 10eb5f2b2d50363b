using System.Runtime.InteropServices;
using System.Numerics;

namespace Strata.Kernels;

/// <summary>
/// Fused batch normalization over a tensor viewed as [outer, channels, inner] (channels-last data
/// has inner = 1). Training forward reads x once for the statistics and once to normalize, keeping
/// x̂ and 1/σ for the backward pass:
///   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/σ · (dy − dβ/N − x̂·dγ/N)   (training)
///   dx = γ/σ · dy                                                  (inference statistics).
/// Channels-last data is cut into a grid of row blocks (small enough to stay in L2 between the two
/// passes a block's mean and squared deviations take) by groups of channels; the blocks' moments
/// are merged in block order (Chan et al.), so the statistics do not depend on the thread count.
/// Channels-inside data is split by channel.
/// </summary>
internal static partial class BatchNormKernels
{
    private const int ChannelsPerItem = 64;
    private const int BlockFloats = 1 << 15;

    [ThreadStatic] private static BatchNormTask? _task;

    public static void ForwardTraining(float[] x, int outer, int channels, int inner, float epsilon,
        float[]? gamma, float[]? beta, float[] mean, float[] variance, float[] invStd, float[] xhat, float[] y)
    {
        var t = Prepare(x, outer, channels, inner, gamma, beta);
        t.Mode = BatchNormMode.ForwardTraining;
        t.Epsilon = epsilon; t.Mean = mean; t.Variance = variance; t.InvStd = invStd; t.XHat = xhat; t.Y = y;
        Run(t);
    }

    /// <summary>Normalizes with given statistics; writes x̂ and 1/σ too so the inference-mode backward can use them.</summary>
    public static void ForwardInference(float[] x, int outer, int channels, int inner, float epsilon,
        float[]? gamma, float[]? beta, float[] mean, float[] variance, float[] invStd, float[] xhat, float[] y)
    {
        var t = Prepare(x, outer, channels, inner, gamma, beta);
        t.Mode = BatchNormMode.ForwardInference;
        t.Epsilon = epsilon; t.Mean = mean; t.Variance = variance; t.InvStd = invStd; t.XHat = xhat; t.Y = y;
        Run(t);
    }

    /// <summary>Accumulates into dγ, dβ and dx where they are given.</summary>
    public static void Backward(float[] dy, float[] xhat, float[] invStd, int outer, int channels, int inner,
        float[]? gamma, float[]? dGamma, float[]? dBeta, float[]? dx, bool batchStatistics)
    {
        var t = Prepare(dy, outer, channels, inner, gamma, null);
        t.Mode = batchStatistics ? BatchNormMode.BackwardTraining : BatchNormMode.BackwardInference;
        t.XHat = xhat; t.InvStd = invStd; t.DGamma = dGamma; t.DBeta = dBeta; t.Dx = dx;
        Run(t);
    }

    private static BatchNormTask Prepare(float[] x, int outer, int channels, int inner, float[]? gamma, float[]? beta)
    {
        var t = _task ??= new BatchNormTask();
        t.X = x; t.Outer = outer; t.Channels = channels; t.Inner = inner; t.Gamma = gamma; t.Beta = beta;
        return t;
    }

    private static void Run(BatchNormTask t)
    {
        if (t.Inner == 1) t.RunChannelsLast();
        else WorkerPool.Run(t, t.Channels);
        t.Clear();
    }

    private enum BatchNormMode { ForwardTraining, ForwardInference, BackwardTraining, BackwardInference }

    private enum GridPass { Moments, Normalize, GradientSums, InputGradient }

    private sealed partial class BatchNormTask : ParallelTask
    {
        public BatchNormMode Mode;
        public float[]? X, Gamma, Beta, Mean, Variance, InvStd, XHat, Y, DGamma, DBeta, Dx;
        public int Outer, Channels, Inner;
        public float Epsilon;

        private GridPass _pass;
        private int _rowsPerBlock, _rowBlocks, _groups;
        // Per block and channel: the block's mean and squared deviations (forward), Σdy and Σdy·x̂ (backward).
        private float[] _blockFirst = [], _blockSecond = [];
        // Per channel, what the element passes apply: γ and β (forward); γ/σ, mean dy and mean dy·x̂ (backward).
        private float[] _scale = [], _shift = [], _meanDyXHat = [];

        public void Clear() => X = Gamma = Beta = Mean = Variance = InvStd = XHat = Y = DGamma = DBeta = Dx = null;

        public void RunChannelsLast()
        {
            int width = Math.Min(Channels, ChannelsPerItem);
            _rowsPerBlock = Math.Max(1, BlockFloats / width);
            _rowBlocks = (Outer + _rowsPerBlock - 1) / _rowsPerBlock;
            _groups = (Channels + ChannelsPerItem - 1) / ChannelsPerItem;
            int items = _rowBlocks * _groups;
            Grow(ref _blockFirst, _rowBlocks * Channels);
            Grow(ref _blockSecond, _rowBlocks * Channels);
            Grow(ref _scale, Channels);
            Grow(ref _shift, Channels);
            Grow(ref _meanDyXHat, Channels);
            switch (Mode)
            {
                case BatchNormMode.ForwardTraining:
                    Pass(GridPass.Moments, items);
                    MergeMoments();
                    PrepareNormalize();
                    Pass(GridPass.Normalize, items);
                    break;
                case BatchNormMode.ForwardInference:
                    PrepareNormalize();
                    Pass(GridPass.Normalize, items);
                    break;
                default:
                    Pass(GridPass.GradientSums, items);
                    if (MergeGradientSums()) Pass(GridPass.InputGradient, items);
                    break;
            }
        }

        private static void Grow(ref float[] buffer, int length)
        {
            if (buffer.Length < length) buffer = new float[length];
        }

        private void Pass(GridPass pass, int items)
        {
            _pass = pass;
            WorkerPool.Run(this, items);
        }

        public override void Execute(int index)
        {
            if (Inner != 1)
            {
                ExecuteStrided(index);
                return;
            }
            int block = index / _groups, c0 = index % _groups * ChannelsPerItem;
            int width = Math.Min(ChannelsPerItem, Channels - c0);
            int r0 = block * _rowsPerBlock, r1 = Math.Min(Outer, r0 + _rowsPerBlock);
            var partialFirst = _blockFirst.AsSpan(block * Channels + c0, width);
            var partialSecond = _blockSecond.AsSpan(block * Channels + c0, width);
            if (width == Channels && Channels % Vector<float>.Count == 0)
            {
                ExecuteContiguous(r0, r1, partialFirst, partialSecond);
                return;
            }
            switch (_pass)
            {
                case GridPass.Moments:
                    BlockMoments(r0, r1, c0, width, partialFirst, partialSecond);
                    break;
                case GridPass.Normalize:
                    for (int r = r0; r < r1; r++)
                    {
                        int o = r * Channels + c0;
                        NormalizeRow(X.AsSpan(o, width), XHat.AsSpan(o, width), Y.AsSpan(o, width),
                            Mean.AsSpan(c0, width), InvStd.AsSpan(c0, width), _scale.AsSpan(c0, width), _shift.AsSpan(c0, width));
                    }
                    break;
                case GridPass.GradientSums:
                    partialFirst.Clear();
                    partialSecond.Clear();
                    for (int r = r0; r < r1; r++)
                    {
                        int o = r * Channels + c0;
                        RowKernels.Add(partialFirst, X.AsSpan(o, width), partialFirst);
                        RowKernels.MultiplyAdd(X.AsSpan(o, width), XHat.AsSpan(o, width), partialSecond);
                    }
                    break;
                case GridPass.InputGradient:
                    for (int r = r0; r < r1; r++)
                    {
                        int o = r * Channels + c0;
                        InputGradientRow(X.AsSpan(o, width), XHat.AsSpan(o, width), Dx.AsSpan(o, width),
                            _scale.AsSpan(c0, width), _shift.AsSpan(c0, width), _meanDyXHat.AsSpan(c0, width));
                    }
                    break;
            }
        }

        // The block's mean, then its squared deviations from that mean: the second pass reads from L2.
        private void BlockMoments(int r0, int r1, int c0, int width, Span<float> mean, Span<float> squares)
        {
            mean.Clear();
            for (int r = r0; r < r1; r++) RowKernels.Add(mean, X.AsSpan(r * Channels + c0, width), mean);
            float inverse = 1f / (r1 - r0);
            for (int j = 0; j < width; j++) mean[j] *= inverse;
            squares.Clear();
            for (int r = r0; r < r1; r++) SquaredDeviationsRow(X.AsSpan(r * Channels + c0, width), mean, squares);
        }

        private void MergeMoments()
        {
            int n = Outer;
            for (int c = 0; c < Channels; c++)
            {
                double sum = 0;
                for (int b = 0; b < _rowBlocks; b++) sum += (double)_blockFirst[b * Channels + c] * BlockRows(b);
                double mean = sum / n, squares = 0;
                for (int b = 0; b < _rowBlocks; b++)
                {
                    double d = _blockFirst[b * Channels + c] - mean;
                    squares += _blockSecond[b * Channels + c] + d * d * BlockRows(b);
                }
                Mean![c] = (float)mean;
                Variance![c] = (float)(squares / n);
            }
        }

        private int BlockRows(int block) => Math.Min(_rowsPerBlock, Outer - block * _rowsPerBlock);

        private void PrepareNormalize()
        {
            for (int c = 0; c < Channels; c++)
            {
                InvStd![c] = 1f / MathF.Sqrt(Variance![c] + Epsilon);
                _scale[c] = Gamma is null ? 1f : Gamma[c];
                _shift[c] = Beta is null ? 0f : Beta[c];
            }
        }

        // Sums the blocks' gradient sums in block order; prepares dx's coefficients. False when dx is not wanted.
        private bool MergeGradientSums()
        {
            float invN = 1f / Outer;
            for (int c = 0; c < Channels; c++)
            {
                float sumDy = 0, sumDyXHat = 0;
                for (int b = 0; b < _rowBlocks; b++)
                {
                    sumDy += _blockFirst[b * Channels + c];
                    sumDyXHat += _blockSecond[b * Channels + c];
                }
                if (DBeta is not null) DBeta[c] += sumDy;
                if (DGamma is not null) DGamma[c] += sumDyXHat;
                bool training = Mode == BatchNormMode.BackwardTraining;
                _scale[c] = (Gamma is null ? 1f : Gamma[c]) * InvStd![c];
                _shift[c] = training ? sumDy * invN : 0f;
                _meanDyXHat[c] = training ? sumDyXHat * invN : 0f;
            }
            return Dx is not null;
        }

        // Channels inside: one item per channel, each a set of contiguous inner runs.
        private void ExecuteStrided(int c)
        {
            int n = Outer * Inner;
            switch (Mode)
            {
                case BatchNormMode.ForwardTraining:
                case BatchNormMode.ForwardInference:
                {
                    float mean, variance;
                    if (Mode == BatchNormMode.ForwardTraining)
                    {
                        double s = 0;
                        for (int o = 0; o < Outer; o++) foreach (float v in Run(X!, o, c)) s += v;
                        mean = (float)(s / n);
                        double q = 0;
                        for (int o = 0; o < Outer; o++) foreach (float v in Run(X!, o, c)) { float d = v - mean; q += d * d; }
                        variance = (float)(q / n);
                        Mean![c] = mean;
                        Variance![c] = variance;
                    }
                    else
                    {
                        mean = Mean![c];
                        variance = Variance![c];
                    }
                    float inv = 1f / MathF.Sqrt(variance + Epsilon);
                    InvStd![c] = inv;
                    float g = Gamma is null ? 1f : Gamma[c], b = Beta is null ? 0f : Beta[c];
                    for (int o = 0; o < Outer; o++)
                    {
                        var xr = Run(X!, o, c);
                        var hr = Run(XHat!, o, c);
                        var yr = Run(Y!, o, c);
                        for (int i = 0; i < xr.Length; i++) { float h = (xr[i] - mean) * inv; hr[i] = h; yr[i] = h * g + b; }
                    }
                    break;
                }
                default:
                {
                    double sDy = 0, sDyH = 0;
                    for (int o = 0; o < Outer; o++)
                    {
                        var dyr = Run(X!, o, c);
                        var hr = Run(XHat!, o, c);
                        for (int i = 0; i < dyr.Length; i++) { sDy += dyr[i]; sDyH += dyr[i] * hr[i]; }
                    }
                    if (DBeta is not null) DBeta[c] += (float)sDy;
                    if (DGamma is not null) DGamma[c] += (float)sDyH;
                    if (Dx is null) break;
                    float k = (Gamma is null ? 1f : Gamma[c]) * InvStd![c];
                    float mDy = (float)(sDy / n), mDyH = (float)(sDyH / n);
                    bool training = Mode == BatchNormMode.BackwardTraining;
                    for (int o = 0; o < Outer; o++)
                    {
                        var dyr = Run(X!, o, c);
                        var hr = Run(XHat!, o, c);
                        var dxr = Run(Dx, o, c);
                        for (int i = 0; i < dyr.Length; i++)
                            dxr[i] += training ? k * (dyr[i] - mDy - hr[i] * mDyH) : k * dyr[i];
                    }
                    break;
                }
            }
        }

        private Span<float> Run(float[] data, int o, int c) => data.AsSpan((o * Channels + c) * Inner, Inner);
    }
}
