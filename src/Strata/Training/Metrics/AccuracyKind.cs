namespace Strata.Training.Metrics;

/// <summary>Which accuracy Keras's "accuracy" means for a given loss and output.</summary>
public enum AccuracyKind
{
    /// <summary>Prediction above 0.5 counts as class 1.</summary>
    Binary,
    /// <summary>Arg-max of prediction against arg-max of a one-hot target.</summary>
    Categorical,
    /// <summary>Arg-max of prediction against an integer label.</summary>
    SparseCategorical,
}
