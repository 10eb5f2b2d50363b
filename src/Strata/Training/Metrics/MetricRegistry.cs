using Strata.Training.Losses;

namespace Strata.Training.Metrics;

/// <summary>Metrics from the names Keras accepts in compile(metrics=[...]).</summary>
public static class MetricRegistry
{
    private static readonly string[] Names = ["mae", "mean_absolute_error", "mse", "mean_squared_error", "accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"];

    /// <summary>Refuses a name that is no metric, naming the closest one.</summary>
    public static void Check(string name)
    {
        if (!Names.Contains(name))
            throw new StrataException($"Unknown metric '{name}'{NameSuggestion.DidYouMean(name, Names)}. Expected one of: mae, mse, accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy.");
    }

    /// <summary>Resolves a name; "accuracy" follows the loss as in Keras.</summary>
    public static Metric FromName(string name, Loss loss, int outputWidth) => name switch
    {
        "mae" or "mean_absolute_error" => new MeanAbsoluteErrorMetric(name),
        "mse" or "mean_squared_error" => new MeanSquaredErrorMetric(name),
        "accuracy" or "acc" => new Accuracy(loss switch
        {
            SparseCategoricalCrossentropy => AccuracyKind.SparseCategorical,
            CategoricalCrossentropy => AccuracyKind.Categorical,
            _ => outputWidth == 1 ? AccuracyKind.Binary : AccuracyKind.Categorical,
        }, name),
        "binary_accuracy" => new Accuracy(AccuracyKind.Binary, name),
        "categorical_accuracy" => new Accuracy(AccuracyKind.Categorical, name),
        "sparse_categorical_accuracy" => new Accuracy(AccuracyKind.SparseCategorical, name),
        _ => throw new StrataException($"Unknown metric '{name}'{NameSuggestion.DidYouMean(name, Names)}. Expected one of: mae, mse, accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy."),
    };
}
