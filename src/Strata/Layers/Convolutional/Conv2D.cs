using System.Text.Json.Nodes;
using Strata.Layers.Constraints;
using Strata.Layers.Regularizers;

namespace Strata.Layers.Convolutional;

/// <summary>
/// 2-D convolution over [batch, height, width, channels] with kernel [kh, kw, in/groups, filters]
/// (see <see cref="Convolution"/>). Keras defaults: strides 1, padding "valid", dilation 1, groups 1,
/// linear activation, glorot_uniform kernel, zero bias. PyTorch: nn.Conv2d on channels-first data.
/// </summary>
public sealed class Conv2D : Convolution
{
    /// <summary>A 2-D convolution with Keras's arguments: <paramref name="filters"/> output channels over <paramref name="kernelSize"/> windows (one value: a square); strides 1, padding "valid", dilation_rate 1, groups 1, linear activation, glorot_uniform kernel and zero bias by default.</summary>
    public Conv2D(int filters, int[] kernelSize, int[]? strides = null, string padding = "valid", int[]? dilationRate = null, int groups = 1,
        string? activation = null, bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null, string dataFormat = "channels_last", string? name = null)
        : base(2, filters, kernelSize, strides, padding, dilationRate, groups, activation, useBias, kernelInitializer, biasInitializer,
            kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, dataFormat, name) { }

    /// <summary>A square kernel and equal strides, as Keras accepts a single integer.</summary>
    public Conv2D(int filters, int kernelSize, int strides = 1, string padding = "valid", string? activation = null, string? name = null)
        : this(filters, [kernelSize], [strides], padding, activation: activation, name: name) { }

    /// <inheritdoc/>
    public override string ClassName => "Conv2D";

    private protected override int OutputChannels(int inputChannels) => Filters;

    private protected override int[] KernelShape(int inputChannels) => [KernelSize[0], KernelSize[1], inputChannels / Groups, Filters];

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["groups"] = Groups;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        return config;
    }

    /// <summary>Reads a Conv2D layer from its Keras config; filters and kernel_size are required.</summary>
    public static Conv2D FromConfig(ConfigReader c) => new(
        c.Has("filters") ? c.Int("filters", 0) : throw new StrataException($"Conv2D layer '{c.Name}' needs 'filters'."),
        c.Has("kernel_size") ? c.Tuple("kernel_size", 2, 1) : throw new StrataException($"Conv2D layer '{c.Name}' needs 'kernel_size'."),
        c.Tuple("strides", 2, 1), c.String("padding", "valid")!, c.Tuple("dilation_rate", 2, 1), c.Int("groups", 1),
        c.String("activation", "linear"), c.Bool("use_bias", true),
        c.Initializer("kernel_initializer", Initializer.GlorotUniform()), c.Initializer("bias_initializer", Initializer.Zeros()),
        c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
        c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"), c.String("data_format", null) ?? "channels_last", c.Name);
}
