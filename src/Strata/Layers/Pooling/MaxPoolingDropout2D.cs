using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Pooling;

/// <summary>The arguments of <see cref="MaxPoolingDropout2D"/>: those of <see cref="MaxPooling2D"/>, a rate and a seed.</summary>
public sealed record MaxPoolingDropout2DConfig : PoolingConfig
{
    internal override int Rank => 2;

    /// <summary>The probability of dropping each input unit before the maximum, in [0, 1].</summary>
    public required double Rate { get; init; }

    /// <summary>With a seed the masks are reproducible on their own; without, the model's seed decides them.</summary>
    public int? Seed { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        Require(Rate >= 0 && Rate <= 1, "rate", $"Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={Rate}");
    }
}

/// <summary>
/// Max-pooling dropout (H. Wu and X. Gu, "Towards dropout training for convolutional neural
/// networks", Neural Networks 71, 2015): max pooling of [batch, height, width, channels] whose input
/// units are each dropped with probability <c>rate</c> in training, so a window outputs the maximum
/// of its kept units (0 when all are dropped), not rescaled: sampling the window's maximum from a
/// multinomial distribution instead of always taking the largest. At inference it applies the
/// paper's probabilistic weighted pooling, the expectation of that output: with the window's n
/// activations sorted a₁ ≤ … ≤ aₙ and q = 1 − rate, Σⱼ q·rateⁿ⁻ʲ·aⱼ (the all-dropped case,
/// probability rateⁿ, adds 0). Arguments as <see cref="MaxPooling2D"/>'s (pool_size 2, strides
/// pool_size, padding "valid"; padded positions belong to no window). Use it in place of a
/// Dropout followed by MaxPooling2D. The ONNX exporter refuses it: the weighted pooling sorts each window.
/// </summary>
public sealed class MaxPoolingDropout2D : Pooling, IDropoutFamily
{
    private readonly RandomStream _random;

    /// <summary>A max-pooling dropout layer with every argument given by <paramref name="config"/>.</summary>
    public MaxPoolingDropout2D(MaxPoolingDropout2DConfig config) : base(config, max: true) =>
        _random = new RandomStream(config.Seed is int s ? (ulong)s : 0);

    /// <summary>A max-pooling dropout layer of rate <paramref name="rate"/> with MaxPooling2D's arguments (pool_size 2, strides pool_size, padding "valid" by default).</summary>
    public MaxPoolingDropout2D(double rate, int[]? poolSize = null, int[]? strides = null, string padding = "valid", int? seed = null, string? name = null)
        : this(new MaxPoolingDropout2DConfig
        {
            Rate = rate, Seed = seed, PoolSize = poolSize ?? [2], Strides = strides,
            Padding = KerasConfig.ParseArgument<Padding>(padding, "padding"), Name = name,
        }) { }

    /// <summary>The probability of dropping each input unit in training.</summary>
    public double Rate => ((MaxPoolingDropout2DConfig)Config).Rate;

    /// <inheritdoc/>
    public RandomStream RandomStream => _random;

    /// <inheritdoc/>
    public double? DropRate => Rate;

    /// <inheritdoc/>
    public bool ShiftsVariance => Rate > 0;

    /// <inheritdoc/>
    public bool ZeroesUnits => true;

    /// <inheritdoc/>
    public override IEnumerable<RandomStream> RandomStreams => [_random];

    /// <inheritdoc/>
    public override void Reseed(RandomGenerator random)
    {
        _random.Seed = ((MaxPoolingDropout2DConfig)Config).Seed is int s ? (ulong)s : random.NextSeed();
        _random.Step = 0;
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) =>
        Ops.MaxPoolingDropout2D(input, Geometry(input.Value.ShapeArray()), (float)Rate, mode.IsStochastic ? _random : null);
}
