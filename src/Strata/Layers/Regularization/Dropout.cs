using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Regularization;

/// <summary>
/// Sets a fraction <c>rate</c> of input units to 0 during training and scales the rest by
/// 1/(1 − rate), so the expected sum is unchanged; the identity at inference. <c>noise_shape</c>
/// shares one mask value along axes of size 1 (null entries are taken from the input).
/// </summary>
public sealed class Dropout : Layer
{
    private readonly RandomStream _random;

    public Dropout(double rate, int[]? noiseShape = null, int? seed = null, string? name = null) : base(name)
    {
        if (!(rate >= 0 && rate <= 1))
            throw new StrataException($"Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={rate}");
        Rate = rate;
        NoiseShape = noiseShape is null ? null : (int[])noiseShape.Clone();
        Seed = seed;
        _random = new RandomStream(seed is int s ? (ulong)s : 0);
    }

    public override string ClassName => "Dropout";

    public double Rate { get; }

    public int[]? NoiseShape { get; }

    public int? Seed { get; }

    /// <summary>The mask stream, exposed so a run can be reproduced or resumed.</summary>
    public RandomStream RandomStream => _random;

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (NoiseShape is not null && NoiseShape.Length != inputShape.Length)
            throw new StrataException($"Dropout layer '{Name}': noise_shape {ShapeOps.Format(NoiseShape)} must have the input's rank {inputShape.Length}.");
        return inputShape;
    }

    public override void Reseed(RandomGenerator random)
    {
        _random.Seed = Seed is int s ? (ulong)s : random.NextSeed();
        _random.Step = 0;
    }

    public override Node Call(Node input, bool training)
    {
        if (!training || Rate == 0) return input;
        var noise = input.Value.ShapeArray();
        if (NoiseShape is not null)
        {
            ComputeOutputShape(noise);
            for (int i = 0; i < noise.Length; i++)
                if (NoiseShape[i] >= 0) noise[i] = NoiseShape[i];
        }
        return Ops.Dropout(input, (float)Rate, noise, _random);
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        config["seed"] = Seed;
        if (NoiseShape is null)
        {
            config["noise_shape"] = null;
        }
        else
        {
            var shape = new JsonArray();
            foreach (int d in NoiseShape) shape.Add(d < 0 ? null : JsonValue.Create(d));
            config["noise_shape"] = shape;
        }
        return config;
    }

    public static Dropout FromConfig(ConfigReader c)
    {
        if (!c.Has("rate")) throw new StrataException($"Dropout layer '{c.Name}' needs 'rate'.");
        return new Dropout(c.Double("rate", 0), c.Shape("noise_shape"), c.OptionalInt("seed"), c.Name);
    }
}
