using Strata.Autodiff;

namespace Strata.Layers.Regularization;

/// <summary>The arguments of <see cref="GaussianNoise"/>.</summary>
public sealed record GaussianNoiseConfig : NoiseConfig
{
    /// <summary>The noise's standard deviation, at least 0.</summary>
    public required double Stddev { get; init; }

    /// <inheritdoc/>
    public override void Validate() =>
        Require(Stddev >= 0 && !double.IsInfinity(Stddev), "stddev",
            $"Invalid value received for argument `stddev`. Expected a non-negative float value. Received: stddev={Stddev}");
}

/// <summary>
/// Additive zero-mean Gaussian noise with standard deviation <c>stddev</c> in training (a form of
/// data augmentation for real-valued inputs); the identity at inference. Keras: GaussianNoise(stddev).
/// </summary>
public sealed class GaussianNoise : StochasticLayer<GaussianNoiseConfig>
{
    /// <summary>A GaussianNoise layer with every argument given by <paramref name="config"/>.</summary>
    public GaussianNoise(GaussianNoiseConfig config) : base(config) { }

    /// <summary>A GaussianNoise layer of standard deviation <paramref name="stddev"/>.</summary>
    public GaussianNoise(double stddev, int? seed = null, string? name = null)
        : this(new GaussianNoiseConfig { Stddev = stddev, Seed = seed, Name = name }) { }

    /// <summary>The noise's standard deviation.</summary>
    public double Stddev => Config.Stddev;

    /// <summary>Null: additive noise drops nothing.</summary>
    public override double? DropRate => null;

    /// <inheritdoc/>
    public override bool ShiftsVariance => Stddev > 0;

    /// <inheritdoc/>
    protected override bool IsActive => Stddev > 0;

    /// <inheritdoc/>
    protected override Node Inject(Node input) =>
        Ops.Add(input, Ops.RandomNormal(input.Graph, input.Value.ShapeArray(), 0f, (float)Stddev, RandomStream));
}
