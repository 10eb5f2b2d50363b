namespace Strata.Training.Metrics;

/// <summary>Mean absolute error, per sample averaged over its outputs.</summary>
public sealed class MeanAbsoluteErrorMetric(string name = "mae") : Metric(name)
{
    /// <inheritdoc/>
    protected override double Score(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        double s = 0;
        for (int i = 0; i < prediction.Length; i++) s += Math.Abs(prediction[i] - target[i]);
        return s / prediction.Length;
    }
}
