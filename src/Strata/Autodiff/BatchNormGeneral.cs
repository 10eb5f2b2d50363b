using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// Batch normalization for any set of feature axes, ghost batches and renormalization, on a map
/// from each element to its parameter (position along the feature axes) and its statistic
/// (parameter and ghost batch). The statistics and gradient sums come from <see cref="Moments"/>,
/// one call per ghost batch: on the input itself when the feature axes are adjacent, else on a copy
/// laid out as [rows, parameters] (each parameter's values in the input's order), so they are the
/// sums the fused kernels take, whatever the thread count.
/// </summary>
internal sealed class BatchNormGeneral
{
    private readonly int[] _parameterOf;
    private readonly int _rowSize, _virtualBatch, _parameters, _batch;
    // The [outer, parameters, inner] view of one sample the kernels read: the input's, or the gathered copy's.
    private readonly int _outerPerSample, _inner;
    private readonly int[]? _gatherTo;
    private readonly float[]? _gathered, _gatheredXHat;
    private readonly int[] _counts;
    private readonly float[] _r, _d, _g, _sumA, _sumAB;
    private readonly double[] _moments;

    /// <summary>The maps for input <paramref name="shape"/>, feature <paramref name="axes"/> and ghost batches of <paramref name="virtualBatchSize"/> samples (0 for none).</summary>
    public BatchNormGeneral(ReadOnlySpan<int> shape, int[] axes, int virtualBatchSize)
    {
        int size = ShapeOps.Size(shape);
        _batch = shape[0];
        _rowSize = size / Math.Max(1, _batch);
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
        if (axes[^1] - axes[0] == axes.Length - 1)
        {
            _outerPerSample = ShapeOps.Size(shape[1..axes[0]]);
            _inner = ShapeOps.Size(shape[(axes[^1] + 1)..]);
        }
        else
        {
            // The k-th value of parameter p goes to row k of the copy.
            _gatherTo = new int[size];
            var seen = new int[_parameters];
            for (int i = 0; i < size; i++) _gatherTo[i] = seen[_parameterOf[i]]++ * _parameters + _parameterOf[i];
            _gathered = new float[size];
            _gatheredXHat = new float[size];
            _outerPerSample = _rowSize / Math.Max(1, _parameters);
            _inner = 1;
        }
        _virtualBatch = virtualBatchSize > 0 ? virtualBatchSize : Math.Max(1, _batch);
        Groups = (_batch + _virtualBatch - 1) / _virtualBatch;
        Statistics = Groups * _parameters;
        _counts = new int[Statistics];
        for (int i = 0; i < size; i++) _counts[StatisticOf(i)]++;
        _r = new float[Statistics];
        _d = new float[Statistics];
        _sumA = new float[Statistics];
        _sumAB = new float[Statistics];
        _moments = new double[2 * Statistics];
        _g = new float[size];
    }

    /// <summary>Ghost batches in a batch (1 without ghost batching).</summary>
    public int Groups { get; }

    /// <summary>Statistics per batch: ghost batches × parameters.</summary>
    public int Statistics { get; }

    /// <summary>How many values a statistic is taken over.</summary>
    public int Count(int statistic) => _counts[statistic];

    private int StatisticOf(int element) => element / _rowSize / _virtualBatch * _parameters + _parameterOf[element];

    /// <summary>The input as the kernels read it: itself, or its values gathered into [rows, parameters].</summary>
    private float[] View(float[] x, float[]? copy)
    {
        if (_gatherTo is null) return x;
        for (int i = 0; i < x.Length; i++) copy![_gatherTo[i]] = x[i];
        return copy!;
    }

    /// <summary>Merges the input's per-parameter moments over the whole batch into <paramref name="population"/>.</summary>
    public void Accumulate(float[] x, PopulationStatistics population) =>
        population.Add(View(x, _gathered), _batch * _outerPerSample, _parameters, _inner);

    /// <summary>Normalizes with the moving statistics; writes 1/σ and x̂ for the backward pass.</summary>
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

    /// <summary>Normalizes with each ghost batch's statistics (renormalized when the options say so), written to mean and variance.</summary>
    public void ForwardTraining(float[] x, BatchNormOptions options, float[]? gamma, float[]? beta,
        float[]? renormMean, float[]? renormStddev, float[] mean, float[] variance, float[] invStd, float[] xhat, float[] y)
    {
        var view = View(x, _gathered);
        for (int g = 0; g < Groups; g++)
        {
            var (offset, outer) = Group(g);
            Moments.MeanAndSquares(view, offset, 1, outer, _parameters, _inner,
                _moments.AsSpan(g * _parameters, _parameters), _moments.AsSpan(Statistics + g * _parameters, _parameters));
        }
        for (int s = 0; s < Statistics; s++)
        {
            mean[s] = (float)_moments[s];
            variance[s] = (float)(_moments[Statistics + s] / _counts[s]);
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

    // Ghost batch g: where its values start in the view and how many rows of parameters it holds.
    private (int Offset, int Outer) Group(int g)
    {
        int first = g * _virtualBatch, samples = Math.Min(_virtualBatch, _batch - first);
        return (first * _rowSize, samples * _outerPerSample);
    }

    // Σa and Σa·x̂ per statistic, one kernel call per ghost batch.
    private void GroupSums(float[] a, float[] xhat)
    {
        for (int g = 0; g < Groups; g++)
        {
            var (offset, outer) = Group(g);
            Moments.Sums(a, xhat, offset, 1, outer, _parameters, _inner,
                _sumA.AsSpan(g * _parameters, _parameters), _sumAB.AsSpan(g * _parameters, _parameters));
        }
    }

    /// <summary>Accumulates into dγ, dβ and dx where they are given; <paramref name="mode"/> is the forward pass's.</summary>
    public void Backward(float[] dy, float[] xhat, float[] invStd, float[]? gamma,
        float[]? dGamma, float[]? dBeta, float[]? dx, CallMode mode)
    {
        // Without batch statistics there is one group and r = 1, d = 0.
        bool batchStatistics = mode.IsTraining;
        var xhatView = View(xhat, _gatheredXHat);
        if (dGamma is not null || dBeta is not null)
        {
            GroupSums(View(dy, _gathered), xhatView);
            for (int s = 0; s < Statistics; s++)
            {
                int p = s % _parameters;
                if (dBeta is not null) dBeta[p] += _sumA[s];
                if (dGamma is not null) dGamma[p] += batchStatistics ? _r[s] * _sumAB[s] + _d[s] * _sumA[s] : _sumAB[s];
            }
        }
        if (dx is null) return;
        if (!batchStatistics)
        {
            for (int i = 0; i < dy.Length; i++) { int p = _parameterOf[i]; dx[i] += dy[i] * (gamma?[p] ?? 1f) * invStd[p]; }
            return;
        }
        // With g = dy·γ·r (r held constant): dx = (g − mean(g) − x̂·mean(g·x̂))/σ_B per statistic.
        for (int i = 0; i < dy.Length; i++) _g[i] = dy[i] * (gamma?[_parameterOf[i]] ?? 1f) * _r[StatisticOf(i)];
        GroupSums(View(_g, _gathered), xhatView);
        for (int i = 0; i < dy.Length; i++)
        {
            int s = StatisticOf(i);
            float invN = 1f / _counts[s];
            dx[i] += invStd[s] * (_g[i] - _sumA[s] * invN - xhat[i] * (_sumAB[s] * invN));
        }
    }
}
