using System.Text.Json.Nodes;
using Strata.Autodiff;

namespace Strata.Layers.Regularization;

/// <summary>
/// Additive zero-mean Gaussian noise with standard deviation <c>stddev</c> in training (a form of
/// data augmentation for real-valued inputs); the identity at inference. Keras: GaussianNoise(stddev).
/// </summary>
public sealed class GaussianNoise : StochasticLayer
{
    public GaussianNoise(double stddev, int? seed = null, string? name = null) : base(seed, name)
    {
        if (!(stddev >= 0) || double.IsInfinity(stddev))
            throw new StrataException($"Invalid value received for argument `stddev`. Expected a non-negative float value. Received: stddev={stddev}");
        Stddev = stddev;
    }

    public override string ClassName => "GaussianNoise";

    public double Stddev { get; }

    protected override bool IsActive => Stddev > 0;

    protected override Node Inject(Node input) =>
        Ops.Add(input, Ops.RandomNormal(input.Graph, input.Value.ShapeArray(), 0f, (float)Stddev, RandomStream));

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["stddev"] = Stddev;
        return config;
    }

    public static GaussianNoise FromConfig(ConfigReader c)
    {
        if (!c.Has("stddev")) throw new StrataException($"GaussianNoise layer '{c.Name}' needs 'stddev'.");
        return new GaussianNoise(c.Double("stddev", 0), c.OptionalInt("seed"), c.Name);
    }
}
