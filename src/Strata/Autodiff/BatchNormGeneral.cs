using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// Batch normalization for any set of feature axes, ghost batches and renormalization, on a map
/// from each element to its parameter (position along the feature axes) and its statistic
/// (parameter and ghost batch). Single-threaded, with double sums in element order, so results
/// do not depend on the thread count.
/// </summary>
internal sealed class BatchNormGeneral
{
    private readonly int[] _parameterOf;
    private readonly int _rowSize, _virtualBatch, _parameters;
    private readonly int[] _counts;
    private readonly double[] _sums, _sums2;
    private readonly float[] _r, _d;

    public BatchNormGeneral(ReadOnlySpan<int> shape, int[] axes, int virtualBatchSize)
    {
        int size = ShapeOps.Size(shape), batch = shape[0];
        _rowSize = size / Math.Max(1, batch);
        _parameterOf = new int[size];
        var index = new int[shape.Length];
        _parameters = 1;
        foreach (int a in axes) _parameters *= shape[a];
        for (int i = 0; i < size; i++)
        {
            int p = 0;
            foreach (int a in axes) p = p * shape[a] + index[a];
            _parameterOf[i] = p;
            for (int d = shape.Length - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
        }
        _virtualBatch = virtualBatchSize > 0 ? virtualBatchSize : Math.Max(1, batch);
        Groups = (batch + _virtualBatch - 1) / _virtualBatch;
        Statistics = Groups * _parameters;
        _counts = new int[Statistics];
        for (int i = 0; i < size; i++) _counts[StatisticOf(i)]++;
        _sums = new double[Statistics];
        _sums2 = new double[Statistics];
        _r = new float[Statistics];
        _d = new float[Statistics];
    }

    /// <summary>Ghost batches in a batch (1 without ghost batching).</summary>
    public int Groups { get; }

    /// <summary>Statistics per batch: ghost batches × parameters.</summary>
    public int Statistics { get; }

    public int ParameterOf(int element) => _parameterOf[element];

    public int Count(int statistic) => _counts[statistic];

    private int StatisticOf(int element) => element / _rowSize / _virtualBatch * _parameters + _parameterOf[element];

    public void ForwardInference(float[] x, float epsilon, float[]? gamma, float[]? beta,
        float[] movingMean, float[] movingVariance, float[] invStd, float[] xhat, float[] y)
    {
        for (int p = 0; p < _parameters; p++) invStd[p] = 1f / MathF.Sqrt(movingVariance[p] + epsilon);
        for (int i = 0; i < x.Length; i++)
        {
            int p = _parameterOf[i];
            float h = (x[i] - movingMean[p]) * invStd[p];
            xhat[i] = h;
            y[i] = h * (gamma?[p] ?? 1f) + (beta?[p] ?? 0f);
        }
    }

    public void ForwardTraining(float[] x, BatchNormOptions options, float[]? gamma, float[]? beta,
        float[]? renormMean, float[]? renormStddev, float[] mean, float[] variance, float[] invStd, float[] xhat, float[] y)
    {
        Array.Clear(_sums);
        Array.Clear(_sums2);
        for (int i = 0; i < x.Length; i++) _sums[StatisticOf(i)] += x[i];
        for (int s = 0; s < Statistics; s++) mean[s] = (float)(_sums[s] / _counts[s]);
        for (int i = 0; i < x.Length; i++) { double d = x[i] - mean[StatisticOf(i)]; _sums2[StatisticOf(i)] += d * d; }
        for (int s = 0; s < Statistics; s++)
        {
            variance[s] = (float)(_sums2[s] / _counts[s]);
            invStd[s] = 1f / MathF.Sqrt(variance[s] + options.Epsilon);
            _r[s] = 1f;
            _d[s] = 0f;
            if (!options.Renorm) continue;
            // r and d come from the moving averages before this batch updates them.
            int p = s % _parameters;
            float sigma = MathF.Sqrt(variance[s] + options.Epsilon);
            float sigmaR = MathF.Max(renormStddev![p], MathF.Sqrt(options.Epsilon));
            float r = sigma / sigmaR, d = (mean[s] - renormMean![p]) / sigmaR;
            if (options.RenormRMin is float rmin) r = MathF.Max(r, rmin);
            if (options.RenormRMax is float rmax) r = MathF.Min(r, rmax);
            if (options.RenormDMax is float dmax) d = Math.Clamp(d, -dmax, dmax);
            _r[s] = r;
            _d[s] = d;
        }
        for (int i = 0; i < x.Length; i++)
        {
            int s = StatisticOf(i), p = _parameterOf[i];
            float h = (x[i] - mean[s]) * invStd[s];
            xhat[i] = h;
            y[i] = (gamma?[p] ?? 1f) * (_r[s] * h + _d[s]) + (beta?[p] ?? 0f);
        }
    }

    public void Backward(float[] dy, float[] xhat, float[] invStd, float[]? gamma,
        float[]? dGamma, float[]? dBeta, float[]? dx, bool batchStatistics)
    {
        for (int i = 0; i < dy.Length; i++)
        {
            int p = _parameterOf[i];
            if (dBeta is not null) dBeta[p] += dy[i];
            if (dGamma is not null)
            {
                int s = batchStatistics ? StatisticOf(i) : p;
                dGamma[p] += dy[i] * (batchStatistics ? _r[s] * xhat[i] + _d[s] : xhat[i]);
            }
        }
        if (dx is null) return;
        if (!batchStatistics)
        {
            for (int i = 0; i < dy.Length; i++) { int p = _parameterOf[i]; dx[i] += dy[i] * (gamma?[p] ?? 1f) * invStd[p]; }
            return;
        }
        // With g = dy·γ·r (r held constant): dx = (g − mean(g) − x̂·mean(g·x̂))/σ_B per statistic.
        Array.Clear(_sums);
        Array.Clear(_sums2);
        for (int i = 0; i < dy.Length; i++)
        {
            int s = StatisticOf(i);
            double g = dy[i] * (gamma?[_parameterOf[i]] ?? 1f) * _r[s];
            _sums[s] += g;
            _sums2[s] += g * xhat[i];
        }
        for (int i = 0; i < dy.Length; i++)
        {
            int s = StatisticOf(i);
            float g = dy[i] * (gamma?[_parameterOf[i]] ?? 1f) * _r[s];
            dx[i] += invStd[s] * (g - (float)(_sums[s] / _counts[s]) - xhat[i] * (float)(_sums2[s] / _counts[s]));
        }
    }
}
