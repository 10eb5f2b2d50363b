using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers.Constraints;
using Strata.Layers.Regularizers;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>
/// Densely connected layer: activation(x·kernel + bias) over the last axis. Keras defaults:
/// glorot_uniform kernel, zero bias, linear activation, no regularizers or constraints.
/// Kernel shape [in, units] (PyTorch's nn.Linear weight is its transpose, [units, in]).
/// </summary>
public sealed class Dense : Layer
{
    public Dense(int units, string? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null, string? name = null) : base(name)
    {
        if (units <= 0)
            throw new StrataException($"Received an invalid value for `units`, expected a positive integer. Received: units={units}");
        Units = units;
        Activation = Activations.Parse(activation, name ?? "dense");
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform();
        BiasInitializer = biasInitializer ?? Initializer.Zeros();
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
        KernelConstraint = kernelConstraint;
        BiasConstraint = biasConstraint;
    }

    public override string ClassName => "Dense";

    public int Units { get; }

    public ActivationFunction Activation { get; }

    public bool UseBias { get; }

    public Initializer KernelInitializer { get; }

    public Initializer BiasInitializer { get; }

    public Regularizer? KernelRegularizer { get; }

    public Regularizer? BiasRegularizer { get; }

    /// <summary>A penalty on the layer's output, added to the loss (Keras's activity_regularizer).</summary>
    public Regularizer? ActivityRegularizer { get; }

    public Constraint? KernelConstraint { get; }

    public Constraint? BiasConstraint { get; }

    public Variable? Kernel { get; private set; }

    public Variable? Bias { get; private set; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length < 2 || inputShape[^1] <= 0)
            throw new StrataException($"Dense layer '{Name}' needs an input with a known last axis; got {ShapeOps.Format(inputShape)}.");
        var output = (int[])inputShape.Clone();
        output[^1] = Units;
        return output;
    }

    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        Kernel = AddVariable("kernel", [inputShape[^1], Units], KernelInitializer, true, random, KernelRegularizer, KernelConstraint);
        if (UseBias) Bias = AddVariable("bias", [Units], BiasInitializer, true, random, BiasRegularizer, BiasConstraint);
    }

    public override Node Call(Node input, CallMode mode) => Call(input, mode, kernel => kernel);

    /// <summary>The layer's computation with its kernel node transformed first (DropConnect masks it).</summary>
    internal Node Call(Node input, CallMode mode, Func<Node, Node> transformKernel)
    {
        var output = Ops.Dense(input, transformKernel(Parameter(input, Kernel!)), Bias is null ? null : Parameter(input, Bias), Activation);
        AddActivityPenalty(ActivityRegularizer, output);
        return output;
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = Activations.Name(Activation);
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        config["kernel_regularizer"] = KernelRegularizer?.ToConfig();
        config["bias_regularizer"] = BiasRegularizer?.ToConfig();
        config["activity_regularizer"] = ActivityRegularizer?.ToConfig();
        config["kernel_constraint"] = KernelConstraint?.ToConfig();
        config["bias_constraint"] = BiasConstraint?.ToConfig();
        return config;
    }

    public static Dense FromConfig(ConfigReader c)
    {
        c.Unsupported("lora_rank");
        int units = c.Has("units") ? c.Int("units", 0) : throw new StrataException($"Dense layer '{c.Name}' needs 'units'.");
        return new Dense(units, c.String("activation", "linear"), c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", Initializer.GlorotUniform()),
            c.Initializer("bias_initializer", Initializer.Zeros()),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"), c.Name);
    }
}
