using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers.Core;
using Strata.Tensors;

namespace Strata.Layers.Regularization;

/// <summary>
/// DropConnect (Wan et al. 2013) around a Dense layer: in training each kernel weight is dropped
/// with probability <c>rate</c> by a fresh Bernoulli mask every step (one mask for the whole batch)
/// and kept weights are scaled by 1/(1 − rate); at inference the plain kernel is used. This is the
/// inverted-scaling form used by most implementations (and AWD-LSTM's WeightDrop) rather than the
/// paper's Gaussian moment matching at inference. Variables are named drop_connect/dense/kernel.
/// </summary>
public sealed class DropConnect : StochasticLayer
{
    private readonly Dense _layer;

    public DropConnect(Dense layer, double rate, int? seed = null, string? name = null) : base(seed, name)
    {
        _layer = layer ?? throw new StrataException("DropConnect needs a Dense layer to wrap.");
        if (string.IsNullOrEmpty(_layer.Name)) _layer.Name = "dense";
        Rate = CheckRate(rate, allowOne: false);
    }

    public override string ClassName => "DropConnect";

    public double Rate { get; }

    /// <summary>The wrapped Dense layer.</summary>
    public Dense Layer => _layer;

    public override IReadOnlyList<Layer> Children => [_layer];

    protected override bool IsActive => Rate > 0;

    public override int[] ComputeOutputShape(int[] inputShape) => _layer.ComputeOutputShape(inputShape);

    protected override void BuildWeights(int[] inputShape, RandomGenerator random) => _layer.Build(inputShape, random);

    public override void Reseed(RandomGenerator random)
    {
        base.Reseed(random);
        _layer.Reseed(random);
    }

    protected override Node Inject(Node input) =>
        _layer.Call(input, CallMode.Training, kernel => Ops.Dropout(kernel, (float)Rate, kernel.Value.ShapeArray(), RandomStream));

    /// <summary>Outside stochastic calls the wrapped layer runs unchanged.</summary>
    protected override Node Identity(Node input, CallMode mode) => _layer.Call(input, mode);

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        config["layer"] = LayerRegistry.ToConfig(_layer);
        return config;
    }

    public static DropConnect FromConfig(ConfigReader c)
    {
        if (!c.Has("rate")) throw new StrataException($"DropConnect layer '{c.Name}' needs 'rate'.");
        if (LayerRegistry.FromConfig(c.Raw("layer"), 0) is not Dense dense)
            throw new StrataException($"DropConnect layer '{c.Name}': 'layer' must be a Dense layer config.");
        return new DropConnect(dense, c.Double("rate", 0), c.OptionalInt("seed"), c.Name);
    }
}
