using Strata.Autodiff;

namespace Strata.Layers.Regularization;

/// <summary>The arguments of <see cref="GaussianDropout"/>.</summary>
public sealed record GaussianDropoutConfig : NoiseConfig
{
    /// <summary>The dropout rate whose mask's mean and variance the noise has, in [0, 1).</summary>
    public required double Rate { get; init; }

    /// <inheritdoc/>
    public override void Validate() => RequireRate(Rate, allowOne: false);
}

/// <summary>
/// Multiplicative Gaussian noise (Srivastava et al. 2014, section 10): in training y = x·ε with
/// ε ~ N(1, rate/(1 − rate)), the same mean and variance as the dropout mask of that rate;
/// the identity at inference. Keras: GaussianDropout(rate); PyTorch has no module for it.
/// </summary>
public sealed class GaussianDropout : StochasticLayer<GaussianDropoutConfig>
{
    /// <summary>A GaussianDropout layer with every argument given by <paramref name="config"/>.</summary>
    public GaussianDropout(GaussianDropoutConfig config) : base(config) { }

    /// <summary>A GaussianDropout layer of rate <paramref name="rate"/>.</summary>
    public GaussianDropout(double rate, int? seed = null, string? name = null)
        : this(new GaussianDropoutConfig { Rate = rate, Seed = seed, Name = name }) { }

    /// <summary>The dropout rate the noise imitates.</summary>
    public double Rate => Config.Rate;

    /// <inheritdoc/>
    public override double? DropRate => Rate;

    /// <summary>The noise's standard deviation, √(rate/(1 − rate)).</summary>
    public double StandardDeviation => Math.Sqrt(Rate / (1 - Rate));

    /// <inheritdoc/>
    protected override Node Inject(Node input) =>
        Ops.Multiply(input, Ops.RandomNormal(input.Graph, input.Value.ShapeArray(), 1f, (float)StandardDeviation, RandomStream));
}
