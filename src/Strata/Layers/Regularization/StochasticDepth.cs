using Strata.Autodiff;

namespace Strata.Layers.Regularization;

/// <summary>Which draws <see cref="StochasticDepth"/> makes.</summary>
public enum StochasticDepthMode
{
    /// <summary>One draw per sample.</summary>
    Row,

    /// <summary>One draw for the whole batch.</summary>
    Batch,
}

/// <summary>The arguments of <see cref="StochasticDepth"/>.</summary>
public sealed record StochasticDepthConfig : NoiseConfig
{
    /// <summary>The probability of zeroing the branch, in [0, 1].</summary>
    public required double Rate { get; init; }

    /// <summary>Per sample ("row", torchvision's default) or for the whole batch ("batch").</summary>
    public StochasticDepthMode Mode { get; init; } = StochasticDepthMode.Row;

    /// <inheritdoc/>
    public override void Validate() => RequireRate(Rate);
}

/// <summary>
/// Stochastic depth (Huang et al. 2016) with torchvision's semantics: put it last in a residual
/// branch (<see cref="Strata.Layers.Core.Residual"/>). In training the branch's output is zeroed
/// with probability <c>rate</c> — per sample in mode "row", for the whole batch in mode "batch" —
/// and otherwise scaled by 1/(1 − rate); at inference it is the identity, so the block computes
/// x + branch(x). PyTorch: torchvision.ops.StochasticDepth(p = rate, mode).
/// </summary>
public sealed class StochasticDepth : StochasticLayer<StochasticDepthConfig>
{
    /// <summary>A StochasticDepth layer with every argument given by <paramref name="config"/>.</summary>
    public StochasticDepth(StochasticDepthConfig config) : base(config) { }

    /// <summary>A per-sample StochasticDepth layer of rate <paramref name="rate"/>.</summary>
    public StochasticDepth(double rate, int? seed = null, string? name = null)
        : this(new StochasticDepthConfig { Rate = rate, Seed = seed, Name = name }) { }

    /// <summary>The probability of zeroing the branch.</summary>
    public double Rate => Config.Rate;

    /// <inheritdoc/>
    public override double? DropRate => Rate;

    /// <inheritdoc/>
    protected override Node Inject(Node input)
    {
        var noise = new int[input.Shape.Length];
        Array.Fill(noise, 1);
        if (Config.Mode == StochasticDepthMode.Row) noise[0] = input.Shape[0];
        return Ops.Dropout(input, (float)Rate, noise, RandomStream);
    }
}
