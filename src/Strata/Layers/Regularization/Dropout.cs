using System.Text.Json.Nodes;
using Strata.Autodiff;

namespace Strata.Layers.Regularization;

/// <summary>
/// Sets a fraction <c>rate</c> of input units to 0 during training and scales the rest by
/// 1/(1 − rate), so the expected sum is unchanged; the identity at inference. <c>noise_shape</c>
/// shares one mask value along axes of size 1 (null entries are taken from the input): for inputs
/// [batch, timesteps, features], noise_shape [null, 1, null] drops the same features at every step.
/// Same as PyTorch's nn.Dropout(p = rate).
/// </summary>
public sealed class Dropout : StochasticLayer
{
    public Dropout(double rate, int[]? noiseShape = null, int? seed = null, string? name = null) : base(seed, name)
    {
        Rate = CheckRate(rate);
        NoiseShape = noiseShape is null ? null : (int[])noiseShape.Clone();
    }

    public override string ClassName => "Dropout";

    public double Rate { get; }

    public int[]? NoiseShape { get; }

    protected override bool IsActive => Rate > 0;

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        CheckNoiseShape(NoiseShape, inputShape);
        return inputShape;
    }

    protected override Node Inject(Node input) =>
        Ops.Dropout(input, (float)Rate, ResolveNoiseShape(NoiseShape, input.Shape), RandomStream);

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        config["noise_shape"] = NoiseShapeConfig(NoiseShape);
        return config;
    }

    public static Dropout FromConfig(ConfigReader c)
    {
        if (!c.Has("rate")) throw new StrataException($"Dropout layer '{c.Name}' needs 'rate'.");
        return new Dropout(c.Double("rate", 0), c.Shape("noise_shape"), c.OptionalInt("seed"), c.Name);
    }
}
