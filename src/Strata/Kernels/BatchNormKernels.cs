namespace Strata.Kernels;

/// <summary>
/// Fused batch normalization over a tensor viewed as [outer, channels, inner] (channels-last data
/// has inner = 1). Training forward takes one pass for the mean, one for the variance (biased,
/// as the normalization uses) and one to normalize; it keeps x̂ and 1/σ for the backward pass:
///   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/σ · (dy − dβ/N − x̂·dγ/N)   (training)
///   dx = γ/σ · dy                                                  (inference statistics).
/// Work is split by channel, so every sum runs in the same order for any thread count.
/// </summary>
internal static class BatchNormKernels
{
    private const int ChannelsPerItem = 64;

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
        int items = t.Inner == 1 ? (t.Channels + ChannelsPerItem - 1) / ChannelsPerItem : t.Channels;
        WorkerPool.Run(t, items);
        t.Clear();
    }

    private enum BatchNormMode { ForwardTraining, ForwardInference, BackwardTraining, BackwardInference }

    private sealed class BatchNormTask : ParallelTask
    {
        public BatchNormMode Mode;
        public float[]? X, Gamma, Beta, Mean, Variance, InvStd, XHat, Y, DGamma, DBeta, Dx;
        public int Outer, Channels, Inner;
        public float Epsilon;

        public void Clear() => X = Gamma = Beta = Mean = Variance = InvStd = XHat = Y = DGamma = DBeta = Dx = null;

        public override void Execute(int index)
        {
            if (Inner == 1)
            {
                int c0 = index * ChannelsPerItem;
                ExecuteChannelsLast(c0, Math.Min(ChannelsPerItem, Channels - c0));
            }
            else
            {
                ExecuteStrided(index);
            }
        }

        // Channels-last: each row holds every channel, so statistics are vector sums of row slices.
        private void ExecuteChannelsLast(int c0, int width)
        {
            int rows = Outer, stride = Channels;
            Span<float> a = stackalloc float[width];
            Span<float> b = stackalloc float[width];
            Span<float> scale = stackalloc float[width];
            switch (Mode)
            {
                case BatchNormMode.ForwardTraining:
                {
                    a.Clear();
                    for (int r = 0; r < rows; r++) RowKernels.Add(a, X.AsSpan(r * stride + c0, width), a);
                    float invN = 1f / rows;
                    for (int j = 0; j < width; j++) a[j] *= invN;
                    b.Clear();
                    for (int r = 0; r < rows; r++)
                    {
                        var xr = X.AsSpan(r * stride + c0, width);
                        for (int j = 0; j < width; j++) { float d = xr[j] - a[j]; b[j] += d * d; }
                    }
                    for (int j = 0; j < width; j++)
                    {
                        b[j] *= invN;
                        Mean![c0 + j] = a[j];
                        Variance![c0 + j] = b[j];
                    }
                    Normalize(c0, width, a, b, scale);
                    break;
                }
                case BatchNormMode.ForwardInference:
                    Mean.AsSpan(c0, width).CopyTo(a);
                    Variance.AsSpan(c0, width).CopyTo(b);
                    Normalize(c0, width, a, b, scale);
                    break;
                default:
                    BackwardChannelsLast(c0, width, a, b);
                    break;
            }
        }

        private void Normalize(int c0, int width, Span<float> mean, Span<float> variance, Span<float> scale)
        {
            Span<float> shift = stackalloc float[width];
            for (int j = 0; j < width; j++)
            {
                float inv = 1f / MathF.Sqrt(variance[j] + Epsilon);
                InvStd![c0 + j] = inv;
                variance[j] = inv;
                scale[j] = Gamma is null ? 1f : Gamma[c0 + j];
                shift[j] = Beta is null ? 0f : Beta[c0 + j];
            }
            int stride = Channels;
            for (int r = 0; r < Outer; r++)
            {
                var xr = X.AsSpan(r * stride + c0, width);
                var hr = XHat.AsSpan(r * stride + c0, width);
                var yr = Y.AsSpan(r * stride + c0, width);
                for (int j = 0; j < width; j++)
                {
                    float h = (xr[j] - mean[j]) * variance[j];
                    hr[j] = h;
                    yr[j] = h * scale[j] + shift[j];
                }
            }
        }

        private void BackwardChannelsLast(int c0, int width, Span<float> sumDy, Span<float> sumDyXHat)
        {
            int stride = Channels;
            sumDy.Clear();
            sumDyXHat.Clear();
            for (int r = 0; r < Outer; r++)
            {
                var dyr = X.AsSpan(r * stride + c0, width);
                RowKernels.Add(sumDy, dyr, sumDy);
                RowKernels.MultiplyAdd(dyr, XHat.AsSpan(r * stride + c0, width), sumDyXHat);
            }
            if (DBeta is not null) RowKernels.Add(DBeta.AsSpan(c0, width), sumDy, DBeta.AsSpan(c0, width));
            if (DGamma is not null) RowKernels.Add(DGamma.AsSpan(c0, width), sumDyXHat, DGamma.AsSpan(c0, width));
            if (Dx is null) return;
            Span<float> k = stackalloc float[width];
            float invN = 1f / Outer;
            for (int j = 0; j < width; j++)
            {
                k[j] = (Gamma is null ? 1f : Gamma[c0 + j]) * InvStd![c0 + j];
                sumDy[j] *= invN;
                sumDyXHat[j] *= invN;
            }
            bool training = Mode == BatchNormMode.BackwardTraining;
            for (int r = 0; r < Outer; r++)
            {
                var dyr = X.AsSpan(r * stride + c0, width);
                var hr = XHat.AsSpan(r * stride + c0, width);
                var dxr = Dx.AsSpan(r * stride + c0, width);
                if (training)
                    for (int j = 0; j < width; j++) dxr[j] += k[j] * (dyr[j] - sumDy[j] - hr[j] * sumDyXHat[j]);
                else
                    for (int j = 0; j < width; j++) dxr[j] += k[j] * dyr[j];
            }
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
