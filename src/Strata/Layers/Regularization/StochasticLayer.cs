using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Regularization;

/// <summary>The argument every member of the dropout family has: an optional seed of its own.</summary>
public abstract record NoiseConfig : LayerConfig
{
    /// <summary>With a seed the masks are reproducible on their own; without, the model's seed decides them.</summary>
    public int? Seed { get; init; }

    /// <summary>Keras's check and message for a dropout rate.</summary>
    protected static void RequireRate(double rate, bool allowOne = true) =>
        Require(rate >= 0 && (allowOne ? rate <= 1 : rate < 1), "rate",
            $"Invalid value received for argument `rate`. Expected a float value between 0 and 1{(allowOne ? "" : " (exclusive)")}. Received: rate={rate}");
}

/// <summary>
/// The dropout family's common part: a seeded random stream, noise injected only when the call
/// mode is stochastic (training, or Monte-Carlo inference), the identity otherwise.
/// </summary>
/// <typeparam name="TConfig">The layer's config record.</typeparam>
public abstract class StochasticLayer<TConfig> : Layer<TConfig>, IDropoutFamily, IMaskPassing where TConfig : NoiseConfig
{
    private readonly RandomStream _random;

    /// <summary>Keeps the config and seeds the stream from its seed (0 until the model reseeds it).</summary>
    protected StochasticLayer(TConfig config) : base(config) =>
        _random = new RandomStream(config.Seed is int s ? (ulong)s : 0);

    /// <inheritdoc/>
    public RandomStream RandomStream => _random;

    /// <inheritdoc/>
    public abstract double? DropRate { get; }

    /// <inheritdoc/>
    public virtual bool ShiftsVariance => DropRate is > 0;

    /// <inheritdoc/>
    public virtual bool ZeroesUnits => false;

    /// <inheritdoc/>
    public override IEnumerable<RandomStream> RandomStreams => [_random];

    /// <summary>Whether the layer changes anything at all (a rate or standard deviation above 0).</summary>
    protected virtual bool IsActive => DropRate is > 0;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override void Reseed(RandomGenerator random)
    {
        _random.Seed = Config.Seed is int s ? (ulong)s : random.NextSeed();
        _random.Step = 0;
        foreach (var child in Children) child.Reseed(random);
    }

    /// <inheritdoc/>
    public sealed override Node Call(Node input, CallMode mode) =>
        mode.IsStochastic && IsActive ? Inject(input) : Identity(input, mode);

    /// <summary>The noisy computation, recorded only for stochastic calls.</summary>
    protected abstract Node Inject(Node input);

    /// <summary>The computation without noise: the input itself, unless the layer wraps another.</summary>
    protected virtual Node Identity(Node input, CallMode mode) => input;

    /// <summary>The noise shape for an input: given entries kept, -1 (None) entries taken from the input.</summary>
    protected static int[] ResolveNoiseShape(IReadOnlyList<int>? noiseShape, ReadOnlySpan<int> inputShape)
    {
        var noise = inputShape.ToArray();
        if (noiseShape is null) return noise;
        for (int i = 0; i < noise.Length; i++)
            if (noiseShape[i] >= 0) noise[i] = noiseShape[i];
        return noise;
    }

    /// <summary>Checks that a noise_shape broadcasts to the input shape.</summary>
    protected void CheckNoiseShape(IReadOnlyList<int>? noiseShape, int[] inputShape)
    {
        if (noiseShape is null) return;
        if (noiseShape.Count != inputShape.Length)
            throw new StrataException($"{ClassName} layer '{Name}': noise_shape {ShapeOps.Format([.. noiseShape])} must have the input's rank {inputShape.Length}.");
        for (int i = 0; i < noiseShape.Count; i++)
            if (noiseShape[i] >= 0 && noiseShape[i] != 1 && inputShape[i] >= 0 && noiseShape[i] != inputShape[i])
                throw new StrataException($"{ClassName} layer '{Name}': noise_shape {ShapeOps.Format([.. noiseShape])} does not broadcast to the input shape {ShapeOps.Format(inputShape)}; each entry must be 1, null or the input's size.");
    }
}
