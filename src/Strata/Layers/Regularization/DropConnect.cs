using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers.Core;
using Strata.Tensors;

namespace Strata.Layers.Regularization;

/// <summary>The arguments of <see cref="DropConnect"/> beside the Dense layer it wraps.</summary>
public sealed record DropConnectConfig : NoiseConfig
{
    /// <summary>The fraction of kernel weights dropped each step, in [0, 1).</summary>
    public required double Rate { get; init; }

    /// <inheritdoc/>
    public override void Validate() => RequireRate(Rate, allowOne: false);
}

/// <summary>
/// DropConnect (Wan et al. 2013) around a Dense layer: in training each kernel weight is dropped
/// with probability <c>rate</c> by a fresh Bernoulli mask every step (one mask for the whole batch)
/// and kept weights are scaled by 1/(1 − rate); at inference the plain kernel is used. This is the
/// inverted-scaling form used by most implementations (and AWD-LSTM's WeightDrop) rather than the
/// paper's Gaussian moment matching at inference. Variables are named drop_connect/dense/kernel.
/// </summary>
public sealed class DropConnect : StochasticLayer<DropConnectConfig>, IWeightLayer, IActivated
{
    private readonly Dense _layer;

    /// <summary>DropConnect around <paramref name="layer"/> with the arguments of <paramref name="config"/>.</summary>
    public DropConnect(Dense layer, DropConnectConfig config) : base(config)
    {
        _layer = layer ?? throw new ArgumentNullException(nameof(layer), "DropConnect needs a Dense layer to wrap.");
        if (string.IsNullOrEmpty(_layer.Name)) _layer.Name = "dense";
    }

    /// <summary>DropConnect of rate <paramref name="rate"/> around <paramref name="layer"/>.</summary>
    public DropConnect(Dense layer, double rate, int? seed = null, string? name = null)
        : this(layer, new DropConnectConfig { Rate = rate, Seed = seed, Name = name }) { }

    /// <summary>The fraction of kernel weights dropped.</summary>
    public double Rate => Config.Rate;

    /// <inheritdoc/>
    public override double? DropRate => Rate;

    /// <summary>The wrapped Dense layer.</summary>
    public Dense Layer => _layer;

    /// <inheritdoc/>
    public bool UseBias => _layer.UseBias;

    /// <inheritdoc/>
    public ActivationFunction Activation => _layer.Activation;

    /// <inheritdoc/>
    public override IReadOnlyList<Layer> Children => [_layer];

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => _layer.ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random) => _layer.Build(inputShape, random);

    /// <inheritdoc/>
    protected override Node Inject(Node input) =>
        _layer.Call(input, CallMode.Training, kernel => Ops.Dropout(kernel, (float)Rate, kernel.Value.ShapeArray(), RandomStream));

    /// <summary>Outside stochastic calls the wrapped layer runs unchanged.</summary>
    protected override Node Identity(Node input, CallMode mode) => _layer.Call(input, mode);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["layer"] = LayerRegistry.ToConfig(_layer);
        return config;
    }

    /// <summary>Reads the Keras config: the DropConnect arguments and the wrapped Dense layer's config under "layer".</summary>
    public static DropConnect FromConfig(ConfigReader c)
    {
        var config = (DropConnectConfig)KerasConfig.Read(typeof(DropConnectConfig), c);
        if (LayerRegistry.FromConfig(c.Raw("layer"), 0) is not Dense dense)
            throw new StrataException($"DropConnect layer '{c.Name}': 'layer' must be a Dense layer config.");
        return new DropConnect(dense, config);
    }
}
