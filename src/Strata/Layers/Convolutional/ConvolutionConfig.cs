using Strata.Tensors;
using Strata.Layers.Regularizers;

namespace Strata.Layers.Convolutional;

/// <summary>
/// The arguments every convolution shares, with Keras's defaults: strides and dilation_rate 1 on
/// every spatial axis, padding "valid", channels-last data, linear activation. One integer for
/// kernel_size, strides or dilation_rate stands for every spatial axis, as in Keras.
/// </summary>
public abstract record ConvolutionConfig : LayerConfig
{
    private protected ConvolutionConfig()
    {
        // Rank is a constant of each concrete record, so asking for it here is safe.
        Strides = [1];
        DilationRate = [1];
    }

    /// <summary>The number of spatial axes (1 or 2).</summary>
    internal abstract int Rank { get; }

    /// <summary>The window size along each spatial axis.</summary>
    [KerasTuple] public required IReadOnlyList<int> KernelSize { get; init => field = ReadOnlyInts.Spread(value, Rank); }

    /// <summary>The window's step along each spatial axis.</summary>
    [KerasTuple] public IReadOnlyList<int> Strides { get; init => field = ReadOnlyInts.Spread(value, Rank); }

    /// <summary>"valid", "same" or, for Conv1D, "causal".</summary>
    public Padding Padding { get; init; } = Padding.Valid;

    /// <summary>Where the channels are; only channels_last is implemented.</summary>
    public DataFormat DataFormat { get; init; } = DataFormat.ChannelsLast;

    /// <summary>The spacing between kernel taps along each spatial axis.</summary>
    [KerasTuple] public IReadOnlyList<int> DilationRate { get; init => field = ReadOnlyInts.Spread(value, Rank); }

    /// <summary>The activation applied to the output.</summary>
    public ActivationFunction Activation { get; init; } = ActivationFunction.Linear;

    /// <summary>A penalty on the layer's output, added to the loss divided by the batch size (Keras's activity_regularizer).</summary>
    public Regularizer? ActivityRegularizer { get; init; }

    /// <summary>How many output channels an input of <paramref name="inputChannels"/> channels gives.</summary>
    internal abstract int OutputChannels(int inputChannels);

    /// <summary>How many groups <paramref name="inputChannels"/> input channels are split into.</summary>
    internal abstract int GroupsFor(int inputChannels);

    /// <summary>The kernel's shape as Keras stores it, the window's sizes first.</summary>
    internal abstract int[] KernelShape(int inputChannels);

    /// <summary>The kernel's initializer, regularizer and constraint, whatever Keras calls the kernel.</summary>
    internal abstract WeightSettings KernelSettings { get; }

    /// <summary>The bias's settings; null without use_bias.</summary>
    internal abstract WeightSettings? BiasSettings { get; }

    /// <inheritdoc/>
    public override void Validate()
    {
        RequireSizes(KernelSize, "kernel_size");
        RequireSizes(Strides, "strides");
        RequireSizes(DilationRate, "dilation_rate");
        Require(!(Strides.Any(s => s > 1) && DilationRate.Any(d => d > 1)), "strides",
            $"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=({string.Join(", ", Strides)}) and dilation_rate=({string.Join(", ", DilationRate)})");
        Require(Padding != Padding.Causal || Rank == 1, "padding", "Invalid padding \"causal\". Expected \"valid\" or \"same\"; only Conv1D pads causally.");
        RequireChannelsLast(DataFormat);
    }

    private void RequireSizes(IReadOnlyList<int>? values, string argument) =>
        Require(values is not null && values.Count == Rank && values.All(v => v >= 1), argument,
            $"The `{argument}` argument must be a tuple of {Rank} positive integers. Received {argument}=({string.Join(", ", values ?? [])})");
}

/// <summary>The arguments of <see cref="Conv1D"/> and <see cref="Conv2D"/>, with Keras's defaults: groups 1, glorot_uniform kernel, zero bias.</summary>
public abstract record ConvConfig : ConvolutionConfig
{
    /// <summary>The number of output channels.</summary>
    public required int Filters { get; init; }

    /// <summary>How many groups the input channels are split into, each convolved with its share of the filters.</summary>
    public int Groups { get; init; } = 1;

    /// <summary>The kernel and the bias.</summary>
    public KernelAndBias Weights { get; init; } = new();

    internal override int OutputChannels(int inputChannels) => Filters;

    internal override int GroupsFor(int inputChannels) => Groups;

    internal override int[] KernelShape(int inputChannels) => [.. KernelSize, inputChannels / Groups, Filters];

    internal override WeightSettings KernelSettings => Weights.Kernel;

    internal override WeightSettings? BiasSettings => Weights.UseBias ? Weights.Bias : null;

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(Filters > 0, "filters", $"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={Filters}.");
        Require(Groups > 0 && Filters % Groups == 0, "groups",
            $"The number of filters must be evenly divisible by the number of groups. Received: groups={Groups}, filters={Filters}.");
        base.Validate();
    }
}

/// <summary>The arguments of <see cref="Conv1D"/>.</summary>
public sealed record Conv1DConfig : ConvConfig
{
    internal override int Rank => 1;
}

/// <summary>The arguments of <see cref="Conv2D"/>.</summary>
public sealed record Conv2DConfig : ConvConfig
{
    internal override int Rank => 2;
}
