namespace Strata.Layers.Convolutional;

/// <summary>
/// 1-D convolution over [batch, steps, channels] with kernel [k, in/groups, filters] (see
/// <see cref="Convolution"/>); padding "valid", "same" or "causal" (left padding only, so output t
/// sees inputs up to t). PyTorch: nn.Conv1d on channels-first data.
/// </summary>
public sealed class Conv1D : Convolution
{
    /// <summary>A 1-D convolution with every argument given by <paramref name="config"/>.</summary>
    public Conv1D(Conv1DConfig config) : base(config) { }

    /// <summary>A 1-D convolution with Keras's arguments: <paramref name="filters"/> output channels over windows of <paramref name="kernelSize"/> steps; strides 1, padding "valid", dilation_rate 1, groups 1, linear activation, glorot_uniform kernel and zero bias by default.</summary>
    public Conv1D(int filters, int kernelSize, int strides = 1, string padding = "valid", int dilationRate = 1, int groups = 1,
        string? activation = null, bool useBias = true, string? name = null)
        : this(new Conv1DConfig
        {
            Filters = filters, KernelSize = [kernelSize], Strides = [strides], Padding = KerasConfig.ParseArgument<Padding>(padding, "padding"),
            DilationRate = [dilationRate], Groups = groups, Activation = Activations.Parse(activation, name ?? "conv1d"),
            Weights = new() { UseBias = useBias }, Name = name,
        }) { }

    /// <summary>The number of output channels (Keras's filters).</summary>
    public int Filters => ((ConvConfig)Config).Filters;

    /// <summary>How many groups the input channels are split into, each convolved with its share of the filters; 1 by default.</summary>
    public int Groups => ((ConvConfig)Config).Groups;
}
