using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Regularization;

/// <summary>
/// The dropout family's common part: a seeded random stream, noise injected only when the call
/// mode is stochastic (training, or Monte-Carlo inference), the identity otherwise.
/// With a seed the masks are reproducible on their own; without, the model's seed decides them.
/// </summary>
public abstract class StochasticLayer : Layer
{
    private readonly RandomStream _random;

    protected StochasticLayer(int? seed, string? name) : base(name)
    {
        Seed = seed;
        _random = new RandomStream(seed is int s ? (ulong)s : 0);
    }

    public int? Seed { get; }

    /// <summary>The noise stream, exposed so a run can be reproduced or resumed.</summary>
    public RandomStream RandomStream => _random;

    public override IEnumerable<RandomStream> RandomStreams => [_random];

    /// <summary>Whether the layer changes anything at all (a rate or standard deviation above 0).</summary>
    protected abstract bool IsActive { get; }

    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    public override void Reseed(RandomGenerator random)
    {
        _random.Seed = Seed is int s ? (ulong)s : random.NextSeed();
        _random.Step = 0;
    }

    public sealed override Node Call(Node input, CallMode mode) =>
        mode.IsStochastic && IsActive ? Inject(input) : Identity(input, mode);

    /// <summary>The noisy computation, recorded only for stochastic calls.</summary>
    protected abstract Node Inject(Node input);

    /// <summary>The computation without noise: the input itself, unless the layer wraps another.</summary>
    protected virtual Node Identity(Node input, CallMode mode) => input;

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["seed"] = Seed;
        return config;
    }

    /// <summary>Keras's check and message for a dropout rate.</summary>
    protected static double CheckRate(double rate, bool allowOne = true)
    {
        if (!(rate >= 0 && (allowOne ? rate <= 1 : rate < 1)))
            throw new StrataException($"Invalid value received for argument `rate`. Expected a float value between 0 and 1{(allowOne ? "" : " (exclusive)")}. Received: rate={rate}");
        return rate;
    }

    /// <summary>The noise shape for an input: given entries kept, -1 (None) entries taken from the input.</summary>
    protected static int[] ResolveNoiseShape(int[]? noiseShape, ReadOnlySpan<int> inputShape)
    {
        var noise = inputShape.ToArray();
        if (noiseShape is null) return noise;
        for (int i = 0; i < noise.Length; i++)
            if (noiseShape[i] >= 0) noise[i] = noiseShape[i];
        return noise;
    }

    protected static JsonNode? NoiseShapeConfig(int[]? noiseShape)
    {
        if (noiseShape is null) return null;
        var shape = new JsonArray();
        foreach (int d in noiseShape) shape.Add(d < 0 ? null : JsonValue.Create(d));
        return shape;
    }

    protected void CheckNoiseShape(int[]? noiseShape, int[] inputShape)
    {
        if (noiseShape is null) return;
        if (noiseShape.Length != inputShape.Length)
            throw new StrataException($"{ClassName} layer '{Name}': noise_shape {ShapeOps.Format(noiseShape)} must have the input's rank {inputShape.Length}.");
        for (int i = 0; i < noiseShape.Length; i++)
            if (noiseShape[i] >= 0 && noiseShape[i] != 1 && inputShape[i] >= 0 && noiseShape[i] != inputShape[i])
                throw new StrataException($"{ClassName} layer '{Name}': noise_shape {ShapeOps.Format(noiseShape)} does not broadcast to the input shape {ShapeOps.Format(inputShape)}; each entry must be 1, null or the input's size.");
    }
}
