using System.Text.Json.Nodes;
using Strata.Autodiff;

namespace Strata.Layers.Regularization;

/// <summary>
/// Multiplicative Gaussian noise (Srivastava et al. 2014, section 10): in training y = x·ε with
/// ε ~ N(1, rate/(1 − rate)), the same mean and variance as the dropout mask of that rate;
/// the identity at inference. Keras: GaussianDropout(rate); PyTorch has no module for it.
/// </summary>
public sealed class GaussianDropout : StochasticLayer
{
    public GaussianDropout(double rate, int? seed = null, string? name = null) : base(seed, name)
    {
        Rate = CheckRate(rate, allowOne: false);
    }

    public override string ClassName => "GaussianDropout";

    public double Rate { get; }

    /// <summary>The noise's standard deviation, √(rate/(1 − rate)).</summary>
    public double StandardDeviation => Math.Sqrt(Rate / (1 - Rate));

    protected override bool IsActive => Rate > 0;

    protected override Node Inject(Node input) =>
        Ops.Multiply(input, Ops.RandomNormal(input.Graph, input.Value.ShapeArray(), 1f, (float)StandardDeviation, RandomStream));

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        return config;
    }

    public static GaussianDropout FromConfig(ConfigReader c)
    {
        if (!c.Has("rate")) throw new StrataException($"GaussianDropout layer '{c.Name}' needs 'rate'.");
        return new GaussianDropout(c.Double("rate", 0), c.OptionalInt("seed"), c.Name);
    }
}
