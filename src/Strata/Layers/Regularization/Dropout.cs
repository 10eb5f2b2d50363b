using Strata.Autodiff;

namespace Strata.Layers.Regularization;

/// <summary>The arguments of <see cref="Dropout"/>.</summary>
public sealed record DropoutConfig : NoiseConfig
{
    /// <summary>The fraction of units dropped, in [0, 1].</summary>
    public required double Rate { get; init; }

    /// <summary>The mask's shape: 1 shares one mask value along that axis, null (-1) takes the input's size.</summary>
    [KerasShape] public IReadOnlyList<int>? NoiseShape { get; init => field = ReadOnlyInts.Copy(value); }

    /// <inheritdoc/>
    public override void Validate() => RequireRate(Rate);
}

/// <summary>
/// Sets a fraction <c>rate</c> of input units to 0 during training and scales the rest by
/// 1/(1 − rate), so the expected sum is unchanged; the identity at inference. <c>noise_shape</c>
/// shares one mask value along axes of size 1 (null entries are taken from the input): for inputs
/// [batch, timesteps, features], noise_shape [null, 1, null] drops the same features at every step.
/// Same as PyTorch's nn.Dropout(p = rate).
/// </summary>
public sealed class Dropout : StochasticLayer<DropoutConfig>
{
    /// <summary>A Dropout layer with every argument given by <paramref name="config"/>.</summary>
    public Dropout(DropoutConfig config) : base(config) { }

    /// <summary>A Dropout layer of rate <paramref name="rate"/>.</summary>
    public Dropout(double rate, int[]? noiseShape = null, int? seed = null, string? name = null)
        : this(new DropoutConfig { Rate = rate, NoiseShape = noiseShape, Seed = seed, Name = name }) { }

    /// <summary>The fraction of units dropped.</summary>
    public double Rate => Config.Rate;

    /// <inheritdoc/>
    public override double? DropRate => Rate;

    /// <inheritdoc/>
    public override bool ZeroesUnits => true;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        CheckNoiseShape(Config.NoiseShape, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Node Inject(Node input) =>
        Ops.Dropout(input, (float)Rate, ResolveNoiseShape(Config.NoiseShape, input.Shape), RandomStream);
}
