using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>
/// Densely connected layer: activation(x·kernel + bias) over the last axis. Keras defaults:
/// glorot_uniform kernel, zero bias, linear activation. Kernel shape [in, units].
/// </summary>
public sealed class Dense : Layer
{
    public Dense(int units, string? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null, string? name = null) : base(name)
    {
        if (units <= 0)
            throw new StrataException($"Received an invalid value for `units`, expected a positive integer. Received: units={units}");
        Units = units;
        Activation = Activations.Parse(activation, name ?? "dense");
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform();
        BiasInitializer = biasInitializer ?? Initializer.Zeros();
    }

    public override string ClassName => "Dense";

    public int Units { get; }

    public ActivationFunction Activation { get; }

    public bool UseBias { get; }

    public Initializer KernelInitializer { get; }

    public Initializer BiasInitializer { get; }

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
        Kernel = AddVariable("kernel", [inputShape[^1], Units], KernelInitializer, true, random);
        if (UseBias) Bias = AddVariable("bias", [Units], BiasInitializer, true, random);
    }

    public override Node Call(Node input, bool training) =>
        Ops.Dense(input, Parameter(input, Kernel!), Bias is null ? null : Parameter(input, Bias), Activation);

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = Activations.Name(Activation);
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        config["kernel_regularizer"] = null;
        config["bias_regularizer"] = null;
        config["kernel_constraint"] = null;
        config["bias_constraint"] = null;
        return config;
    }

    public static Dense FromConfig(ConfigReader c)
    {
        foreach (var key in new[] { "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint", "lora_rank" })
            c.Unsupported(key);
        int units = c.Has("units") ? c.Int("units", 0) : throw new StrataException($"Dense layer '{c.Name}' needs 'units'.");
        return new Dense(units, c.String("activation", "linear"), c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", Initializer.GlorotUniform()),
            c.Initializer("bias_initializer", Initializer.Zeros()), c.Name);
    }
}
