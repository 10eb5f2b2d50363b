using Strata.Autodiff;

namespace Strata.Training.Losses;

/// <summary>mean((y_pred − y_true)²).</summary>
public sealed class MeanSquaredError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <inheritdoc/>
    public override Node Compute(Node predictions, Node targets) => Ops.Mean(Ops.Square(Ops.Subtract(predictions, targets)));
}
