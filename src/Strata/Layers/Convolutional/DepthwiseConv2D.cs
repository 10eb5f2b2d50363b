using System.Text.Json.Nodes;
using Strata.Layers.Constraints;
using Strata.Layers.Regularizers;

namespace Strata.Layers.Convolutional;

/// <summary>
/// Depthwise 2-D convolution: each input channel is convolved with its own depth_multiplier
/// filters, kernel [kh, kw, channels, depth_multiplier], output channel c·multiplier + m.
/// Keras defaults: depth_multiplier 1, strides 1, padding "valid". PyTorch: nn.Conv2d with groups = in_channels.
/// </summary>
public sealed class DepthwiseConv2D : Convolution
{
    /// <summary>A depthwise 2-D convolution with Keras's arguments: <paramref name="kernelSize"/> windows, <paramref name="depthMultiplier"/> filters per input channel (1 by default); strides 1, padding "valid", dilation_rate 1, linear activation, glorot_uniform depthwise kernel and zero bias by default.</summary>
    public DepthwiseConv2D(int[] kernelSize, int[]? strides = null, string padding = "valid", int depthMultiplier = 1, int[]? dilationRate = null,
        string? activation = null, bool useBias = true, Initializer? depthwiseInitializer = null, Initializer? biasInitializer = null,
        Regularizer? depthwiseRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? depthwiseConstraint = null, Constraint? biasConstraint = null, string dataFormat = "channels_last", string? name = null)
        : base(2, Math.Max(1, depthMultiplier), kernelSize, strides, padding, dilationRate, 1, activation, useBias, depthwiseInitializer, biasInitializer,
            depthwiseRegularizer, biasRegularizer, activityRegularizer, depthwiseConstraint, biasConstraint, dataFormat, name)
    {
        if (depthMultiplier <= 0)
            throw new StrataException($"Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier={depthMultiplier}.");
        DepthMultiplier = depthMultiplier;
    }

    /// <inheritdoc/>
    public override string ClassName => "DepthwiseConv2D";

    /// <summary>How many output channels each input channel gives (Keras's depth_multiplier); 1 by default.</summary>
    public int DepthMultiplier { get; }

    private protected override int OutputChannels(int inputChannels) => inputChannels * DepthMultiplier;

    // [kh, kw, C, M] in memory is [kh, kw, 1, C·M]: a convolution with one group per input channel.
    private protected override int[] KernelShape(int inputChannels) => [KernelSize[0], KernelSize[1], inputChannels, DepthMultiplier];

    private protected override int GroupsFor(int inputChannels) => inputChannels;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["depth_multiplier"] = DepthMultiplier;
        config["depthwise_initializer"] = KernelInitializer.ToConfig();
        config["depthwise_regularizer"] = config["kernel_regularizer"]?.DeepClone();
        config["depthwise_constraint"] = config["kernel_constraint"]?.DeepClone();
        config.Remove("kernel_regularizer");
        config.Remove("kernel_constraint");
        return config;
    }

    /// <summary>Reads a DepthwiseConv2D layer from its Keras config; kernel_size is required.</summary>
    public static DepthwiseConv2D FromConfig(ConfigReader c) => new(
        c.Has("kernel_size") ? c.Tuple("kernel_size", 2, 1) : throw new StrataException($"DepthwiseConv2D layer '{c.Name}' needs 'kernel_size'."),
        c.Tuple("strides", 2, 1), c.String("padding", "valid")!, c.Int("depth_multiplier", 1), c.Tuple("dilation_rate", 2, 1),
        c.String("activation", "linear"), c.Bool("use_bias", true),
        c.Initializer("depthwise_initializer", Initializer.GlorotUniform()), c.Initializer("bias_initializer", Initializer.Zeros()),
        c.Regularizer("depthwise_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
        c.Constraint("depthwise_constraint"), c.Constraint("bias_constraint"), c.String("data_format", null) ?? "channels_last", c.Name);
}
