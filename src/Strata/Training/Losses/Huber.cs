using Strata.Autodiff;

namespace Strata.Training.Losses;

/// <summary>Huber loss: ½e² where |e| ≤ δ, δ(|e| − ½δ) beyond; written as ½q² + δ(|e| − q) with q = min(|e|, δ). Keras default δ = 1.</summary>
public sealed class Huber : Loss
{
    /// <summary>A Huber loss with threshold <paramref name="delta"/> (positive), quadratic within it and linear beyond.</summary>
    public Huber(double delta = 1.0)
    {
        if (!(delta > 0)) throw new StrataException($"Expected a positive delta for the huber loss. Received: delta={delta}");
        Delta = delta;
    }

    /// <summary>The threshold δ between the quadratic and linear parts, in target units (Keras's delta).</summary>
    public double Delta { get; }

    /// <inheritdoc/>
    public override string Name => "huber";

    /// <inheritdoc/>
    public override Node Compute(Node predictions, Node targets)
    {
        float delta = (float)Delta;
        var a = Ops.Abs(Ops.Subtract(predictions, targets));
        var q = Ops.Clip(a, float.MinValue, delta);
        return Ops.Mean(Ops.Add(Ops.Scale(Ops.Square(q), 0.5f), Ops.Scale(Ops.Subtract(a, q), delta)));
    }
}
