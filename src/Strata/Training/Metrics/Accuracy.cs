namespace Strata.Training.Metrics;

/// <summary>Fraction of samples classified correctly; see <see cref="AccuracyKind"/>.</summary>
public sealed class Accuracy(AccuracyKind kind, string name = "accuracy") : Metric(name)
{
    /// <summary>How predictions are compared with targets: thresholded at 0.5, or by arg-max against one-hot or integer labels.</summary>
    public AccuracyKind Kind { get; } = kind;

    /// <inheritdoc/>
    protected override double Score(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target)
    {
        switch (Kind)
        {
            case AccuracyKind.Binary:
                double hits = 0;
                for (int i = 0; i < prediction.Length; i++) hits += (prediction[i] > 0.5f) == (target[i] > 0.5f) ? 1 : 0;
                return hits / prediction.Length;
            case AccuracyKind.Categorical:
                return ArgMax(prediction) == ArgMax(target) ? 1 : 0;
            default:
                return ArgMax(prediction) == (int)target[0] ? 1 : 0;
        }
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
