namespace Strata.Layers.Convolutional;

/// <summary>
/// 2-D convolution over [batch, height, width, channels] with kernel [kh, kw, in/groups, filters]
/// (see <see cref="Convolution"/>). Keras defaults: strides 1, padding "valid", dilation 1, groups 1,
/// linear activation, glorot_uniform kernel, zero bias. PyTorch: nn.Conv2d on channels-first data.
/// </summary>
public sealed class Conv2D : Convolution
{
    /// <summary>A 2-D convolution with every argument given by <paramref name="config"/>.</summary>
    public Conv2D(Conv2DConfig config) : base(config) { }

    /// <summary>A 2-D convolution with Keras's arguments: <paramref name="filters"/> output channels over <paramref name="kernelSize"/> windows (one value: a square); strides 1, padding "valid", dilation_rate 1, groups 1, linear activation, glorot_uniform kernel and zero bias by default.</summary>
    public Conv2D(int filters, int[] kernelSize, int[]? strides = null, string padding = "valid", int[]? dilationRate = null, int groups = 1,
        string? activation = null, bool useBias = true, string? name = null)
        : this(new Conv2DConfig
        {
            Filters = filters, KernelSize = kernelSize, Strides = strides ?? [1], Padding = KerasConfig.ParseArgument<Padding>(padding, "padding"),
            DilationRate = dilationRate ?? [1], Groups = groups, Activation = Activations.Parse(activation, name ?? "conv2d"),
            Weights = new() { UseBias = useBias }, Name = name,
        }) { }

    /// <summary>A square kernel and equal strides, as Keras accepts a single integer.</summary>
    public Conv2D(int filters, int kernelSize, int strides = 1, string padding = "valid", string? activation = null, string? name = null)
        : this(filters, [kernelSize], [strides], padding, activation: activation, name: name) { }

    /// <summary>The number of output channels (Keras's filters).</summary>
    public int Filters => ((ConvConfig)Config).Filters;

    /// <summary>How many groups the input channels are split into, each convolved with its share of the filters; 1 by default.</summary>
    public int Groups => ((ConvConfig)Config).Groups;
}
