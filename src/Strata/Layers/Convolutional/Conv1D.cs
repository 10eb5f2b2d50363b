using System.Text.Json.Nodes;
using Strata.Layers.Constraints;
using Strata.Layers.Regularizers;

namespace Strata.Layers.Convolutional;

/// <summary>
/// 1-D convolution over [batch, steps, channels] with kernel [k, in/groups, filters] (see
/// <see cref="Convolution"/>); padding "valid", "same" or "causal" (left padding only, so output t
/// sees inputs up to t). PyTorch: nn.Conv1d on channels-first data.
/// </summary>
public sealed class Conv1D : Convolution
{
    /// <summary>A 1-D convolution with Keras's arguments: <paramref name="filters"/> output channels over windows of <paramref name="kernelSize"/> steps; strides 1, padding "valid", dilation_rate 1, groups 1, linear activation, glorot_uniform kernel and zero bias by default.</summary>
    public Conv1D(int filters, int kernelSize, int strides = 1, string padding = "valid", int dilationRate = 1, int groups = 1,
        string? activation = null, bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null, string dataFormat = "channels_last", string? name = null)
        : base(1, filters, [kernelSize], [strides], padding, [dilationRate], groups, activation, useBias, kernelInitializer, biasInitializer,
            kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, dataFormat, name) { }

    /// <inheritdoc/>
    public override string ClassName => "Conv1D";

    private protected override int OutputChannels(int inputChannels) => Filters;

    private protected override int[] KernelShape(int inputChannels) => [KernelSize[0], inputChannels / Groups, Filters];

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["groups"] = Groups;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        return config;
    }

    /// <summary>Reads a Conv1D layer from its Keras config; filters and kernel_size are required.</summary>
    public static Conv1D FromConfig(ConfigReader c) => new(
        c.Has("filters") ? c.Int("filters", 0) : throw new StrataException($"Conv1D layer '{c.Name}' needs 'filters'."),
        c.Has("kernel_size") ? c.Tuple("kernel_size", 1, 1)[0] : throw new StrataException($"Conv1D layer '{c.Name}' needs 'kernel_size'."),
        c.Tuple("strides", 1, 1)[0], c.String("padding", "valid")!, c.Tuple("dilation_rate", 1, 1)[0], c.Int("groups", 1),
        c.String("activation", "linear"), c.Bool("use_bias", true),
        c.Initializer("kernel_initializer", Initializer.GlorotUniform()), c.Initializer("bias_initializer", Initializer.Zeros()),
        c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
        c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"), c.String("data_format", null) ?? "channels_last", c.Name);
}
