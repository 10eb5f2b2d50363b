using System.Text.Json.Nodes;
using Strata.Autodiff;

namespace Strata.Layers.Regularization;

/// <summary>
/// Dropout for self-normalizing networks (Klambauer et al. 2017): dropped units are set to SELU's
/// negative saturation α′ = −λα instead of 0, then y = a·x̃ + b with
/// a = ((1 − rate)(1 + rate·α′²))^(−1/2) and b = −a·α′·rate, so inputs with zero mean and unit
/// variance keep them. Use with SELU activations and lecun_normal initialization. The identity at
/// inference. Keras: AlphaDropout(rate, noise_shape, seed); PyTorch: nn.AlphaDropout(p).
/// </summary>
public sealed class AlphaDropout : StochasticLayer
{
    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;

    public AlphaDropout(double rate, int[]? noiseShape = null, int? seed = null, string? name = null) : base(seed, name)
    {
        Rate = CheckRate(rate, allowOne: false);
        NoiseShape = noiseShape is null ? null : (int[])noiseShape.Clone();
    }

    public override string ClassName => "AlphaDropout";

    public double Rate { get; }

    public int[]? NoiseShape { get; }

    protected override bool IsActive => Rate > 0;

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        CheckNoiseShape(NoiseShape, inputShape);
        return inputShape;
    }

    protected override Node Inject(Node input)
    {
        double alphaP = -SeluAlpha * SeluScale;
        double a = 1 / Math.Sqrt((1 - Rate) * (1 + Rate * alphaP * alphaP));
        double b = -a * alphaP * Rate;
        // y = a·(x·m + α′·(1 − m)) + b = x·(a·m) + (a·α′ + b) − α′·(a·m), with m the keep mask.
        var keptScale = Ops.RandomBernoulli(input.Graph, ResolveNoiseShape(NoiseShape, input.Shape), (float)(1 - Rate), (float)a, RandomStream);
        var offset = Ops.AddScalar(Ops.Scale(keptScale, (float)-alphaP), (float)(a * alphaP + b));
        return Ops.Add(Ops.Multiply(input, keptScale), offset);
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        config["noise_shape"] = NoiseShapeConfig(NoiseShape);
        return config;
    }

    public static AlphaDropout FromConfig(ConfigReader c)
    {
        if (!c.Has("rate")) throw new StrataException($"AlphaDropout layer '{c.Name}' needs 'rate'.");
        return new AlphaDropout(c.Double("rate", 0), c.Shape("noise_shape"), c.OptionalInt("seed"), c.Name);
    }
}
