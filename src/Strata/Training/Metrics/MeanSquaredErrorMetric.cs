namespace Strata.Training.Metrics;

/// <summary>Mean squared error, per sample averaged over its outputs.</summary>
public sealed class MeanSquaredErrorMetric(string name = "mse") : Metric(name)
{
    /// <inheritdoc/>
    protected override double Score(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        double s = 0;
        for (int i = 0; i < prediction.Length; i++) { double d = prediction[i] - target[i]; s += d * d; }
        return s / prediction.Length;
    }
}
