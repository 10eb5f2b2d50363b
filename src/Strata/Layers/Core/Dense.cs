using Strata.Autodiff;
using Strata.Layers.Regularizers;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>The arguments of <see cref="Dense"/>, with Keras's defaults.</summary>
[KerasUnsupported("lora_rank")]
public sealed record DenseConfig : LayerConfig
{
    /// <summary>The number of output units.</summary>
    public required int Units { get; init; }

    /// <summary>The activation applied to the output; linear by default.</summary>
    public ActivationFunction Activation { get; init; } = ActivationFunction.Linear;

    /// <summary>The kernel and the bias.</summary>
    public KernelAndBias Weights { get; init; } = new();

    /// <summary>A penalty on the layer's output, added to the loss (Keras's activity_regularizer).</summary>
    public Regularizer? ActivityRegularizer { get; init; }

    /// <inheritdoc/>
    public override void Validate() =>
        Require(Units > 0, "units", $"Received an invalid value for `units`, expected a positive integer. Received: units={Units}");
}

/// <summary>
/// Densely connected layer: activation(x·kernel + bias) over the last axis. Keras defaults:
/// glorot_uniform kernel, zero bias, linear activation, no regularizers or constraints.
/// Kernel shape [in, units] (PyTorch's nn.Linear weight is its transpose, [units, in]).
/// </summary>
public sealed class Dense : Layer<DenseConfig>, IWeightLayer, IActivated, IMaskPassing
{
    /// <summary>A Dense layer with every argument given by <paramref name="config"/>.</summary>
    public Dense(DenseConfig config) : base(config) { }

    /// <summary>A Dense layer of <paramref name="units"/> units with the Keras activation named <paramref name="activation"/> (null: linear).</summary>
    public Dense(int units, string? activation = null, string? name = null)
        : this(new DenseConfig { Units = units, Activation = Activations.Parse(activation, name ?? "dense"), Name = name }) { }

    /// <summary>The number of output units.</summary>
    public int Units => Config.Units;

    /// <inheritdoc/>
    public ActivationFunction Activation => Config.Activation;

    /// <inheritdoc/>
    public bool UseBias => Config.Weights.UseBias;

    /// <summary>The kernel, [inputs, units], once built.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>The bias, [units], once built (null without use_bias).</summary>
    public Variable? Bias { get; private set; }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length < 2 || inputShape[^1] <= 0)
            throw new StrataException($"Dense layer '{Name}' needs an input with a known last axis; got {ShapeOps.Format(inputShape)}.");
        var output = (int[])inputShape.Clone();
        output[^1] = Units;
        return output;
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        Kernel = AddWeight("kernel", [inputShape[^1], Units], Config.Weights.Kernel, random);
        if (Config.Weights.UseBias) Bias = AddWeight("bias", [Units], Config.Weights.Bias, random);
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => Call(input, mode, kernel => kernel);

    /// <summary>The layer's computation with its kernel node transformed first (DropConnect masks it).</summary>
    internal Node Call(Node input, CallMode mode, Func<Node, Node> transformKernel)
    {
        var output = Ops.Dense(input, transformKernel(Parameter(input, Kernel!)), Bias is null ? null : Parameter(input, Bias), Activation);
        AddActivityPenalty(Config.ActivityRegularizer, output);
        return output;
    }
}
