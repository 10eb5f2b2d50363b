namespace Strata.Layers.Convolutional;

/// <summary>The arguments of <see cref="DepthwiseConv2D"/>, with Keras's defaults: depth_multiplier 1, glorot_uniform depthwise kernel, zero bias.</summary>
public sealed record DepthwiseConv2DConfig : ConvolutionConfig
{
    /// <summary>How many output channels each input channel gives.</summary>
    public int DepthMultiplier { get; init; } = 1;

    /// <summary>Whether the layer adds a bias.</summary>
    [KerasName("use_bias")] public bool UseBias { get; init; } = true;

    /// <summary>The depthwise kernel's initializer, regularizer and constraint (Keras's depthwise_initializer, ...).</summary>
    public WeightSettings Depthwise { get; init; } = new(Initializer.GlorotUniform());

    /// <summary>The bias's initializer, regularizer and constraint.</summary>
    public WeightSettings Bias { get; init; } = new(Initializer.Zeros());

    internal override int Rank => 2;

    internal override int OutputChannels(int inputChannels) => inputChannels * DepthMultiplier;

    // One group per input channel: [kh, kw, C, M] in memory is [kh, kw, 1, C·M].
    internal override int GroupsFor(int inputChannels) => inputChannels;

    internal override int[] KernelShape(int inputChannels) => [.. KernelSize, inputChannels, DepthMultiplier];

    internal override WeightSettings KernelSettings => Depthwise;

    internal override WeightSettings? BiasSettings => UseBias ? Bias : null;

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(DepthMultiplier > 0, "depth_multiplier",
            $"Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier={DepthMultiplier}.");
        base.Validate();
    }
}

/// <summary>
/// Depthwise 2-D convolution: each input channel is convolved with its own depth_multiplier
/// filters, kernel [kh, kw, channels, depth_multiplier], output channel c·multiplier + m.
/// Keras defaults: depth_multiplier 1, strides 1, padding "valid". PyTorch: nn.Conv2d with groups = in_channels.
/// </summary>
public sealed class DepthwiseConv2D : Convolution
{
    /// <summary>A depthwise 2-D convolution with every argument given by <paramref name="config"/>.</summary>
    public DepthwiseConv2D(DepthwiseConv2DConfig config) : base(config) { }

    /// <summary>A depthwise 2-D convolution with Keras's arguments: <paramref name="kernelSize"/> windows, <paramref name="depthMultiplier"/> filters per input channel (1 by default); strides 1, padding "valid", dilation_rate 1, linear activation, glorot_uniform depthwise kernel and zero bias by default.</summary>
    public DepthwiseConv2D(int[] kernelSize, int[]? strides = null, string padding = "valid", int depthMultiplier = 1, int[]? dilationRate = null,
        string? activation = null, bool useBias = true, string? name = null)
        : this(new DepthwiseConv2DConfig
        {
            KernelSize = kernelSize, Strides = strides ?? [1], Padding = KerasConfig.ParseArgument<Padding>(padding, "padding"), DepthMultiplier = depthMultiplier,
            DilationRate = dilationRate ?? [1], Activation = Activations.Parse(activation, name ?? "depthwise_conv2d"), UseBias = useBias, Name = name,
        }) { }

    /// <summary>How many output channels each input channel gives (Keras's depth_multiplier); 1 by default.</summary>
    public int DepthMultiplier => ((DepthwiseConv2DConfig)Config).DepthMultiplier;
}
