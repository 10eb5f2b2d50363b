using Strata.Autodiff;

namespace Strata.Training.Losses;

/// <summary>mean(|y_pred − y_true|).</summary>
public sealed class MeanAbsoluteError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    /// <inheritdoc/>
    public override Node Compute(Node predictions, Node targets) => Ops.Mean(Ops.Abs(Ops.Subtract(predictions, targets)));
}
