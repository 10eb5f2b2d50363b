using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers.Constraints;
using Strata.Layers.Regularizers;
using Strata.Tensors;

namespace Strata.Layers.Convolutional;

/// <summary>
/// The common part of Conv1D and Conv2D, as Keras's BaseConv: channels-last input, kernel
/// [..window.., in/groups, filters], output activation(conv(x) + bias). Padding "valid" (Keras's
/// default) or "same" (output size ⌈input/stride⌉, the extra padding after, as TensorFlow);
/// strides and dilation cannot both exceed 1. A 1-D convolution runs as a 2-D one of height 1.
/// PyTorch's nn.Conv2d weight [out, in/groups, kh, kw] is this kernel permuted (2, 3, 1, 0).
/// </summary>
public abstract class Convolution : Layer, IWeightLayer, IActivated
{
    private readonly int[] _kernelSize, _strides, _dilationRate;

    private protected Convolution(int rank, int filters, int[] kernelSize, int[]? strides, string padding, int[]? dilationRate, int groups,
        string? activation, bool useBias, Initializer? kernelInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Regularizer? activityRegularizer,
        Constraint? kernelConstraint, Constraint? biasConstraint, string dataFormat, string? name) : base(name)
    {
        Rank = rank;
        if (filters <= 0)
            throw new StrataException($"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}.");
        if (groups <= 0 || filters % groups != 0)
            throw new StrataException($"The number of filters must be evenly divisible by the number of groups. Received: groups={groups}, filters={filters}.");
        _kernelSize = Expand(kernelSize, rank, "kernel_size", 1);
        _strides = Expand(strides ?? [1], rank, "strides", 1);
        _dilationRate = Expand(dilationRate ?? [1], rank, "dilation_rate", 1);
        if (_strides.Any(s => s > 1) && _dilationRate.Any(d => d > 1))
            throw new StrataException($"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=({string.Join(", ", _strides)}) and dilation_rate=({string.Join(", ", _dilationRate)})");
        KernelSize = ReadOnlyInts.View(_kernelSize);
        Strides = ReadOnlyInts.View(_strides);
        DilationRate = ReadOnlyInts.View(_dilationRate);
        if (padding is not ("valid" or "same") && !(padding == "causal" && rank == 1))
            throw new StrataException($"Invalid padding '{padding}'. Expected \"valid\" or \"same\"{(rank == 1 ? " or \"causal\"" : "")}.");
        if (dataFormat != "channels_last")
            throw new StrataException($"Only data_format=\"channels_last\" is supported (inputs [batch, ..., channels]). Received: data_format={dataFormat}");
        Filters = filters;
        Padding = padding;
        Groups = groups;
        Activation = Activations.Parse(activation, name ?? "conv");
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform();
        BiasInitializer = biasInitializer ?? Initializer.Zeros();
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
        KernelConstraint = kernelConstraint;
        BiasConstraint = biasConstraint;
    }

    private static int[] Expand(int[] values, int rank, string argument, int minimum)
    {
        var result = values.Length == 1 ? Enumerable.Repeat(values[0], rank).ToArray() : (int[])values.Clone();
        if (result.Length != rank || result.Any(v => v < minimum))
            throw new StrataException($"The `{argument}` argument must be a tuple of {rank} positive integers. Received {argument}=({string.Join(", ", values)})");
        return result;
    }

    /// <summary>The number of spatial axes (1 or 2).</summary>
    public int Rank { get; }

    /// <summary>The number of output channels (Keras's filters).</summary>
    public int Filters { get; }

    /// <summary>The window size along each spatial axis (Keras's kernel_size).</summary>
    public IReadOnlyList<int> KernelSize { get; }

    /// <summary>The window's step along each spatial axis; 1 by default.</summary>
    public IReadOnlyList<int> Strides { get; }

    /// <summary>"valid" (no padding, Keras's default), "same" (output size ⌈input/stride⌉) or, for Conv1D, "causal".</summary>
    public string Padding { get; }

    /// <summary>The spacing between kernel taps along each spatial axis (Keras's dilation_rate); 1 by default.</summary>
    public IReadOnlyList<int> DilationRate { get; }

    /// <summary>How many groups the input channels are split into, each convolved with its share of the filters; 1 by default.</summary>
    public int Groups { get; }

    /// <summary>The activation applied to the output; linear by default.</summary>
    public ActivationFunction Activation { get; }

    /// <summary>Whether a bias is added (Keras's use_bias); true by default.</summary>
    public bool UseBias { get; }

    /// <summary>The kernel's initializer; glorot_uniform by default.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>The bias's initializer; zeros by default.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>A penalty on the kernel added to the loss; none by default.</summary>
    public Regularizer? KernelRegularizer { get; }

    /// <summary>A penalty on the bias added to the loss; none by default.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>A penalty on the layer's output added to the loss (divided by the batch size); none by default.</summary>
    public Regularizer? ActivityRegularizer { get; }

    /// <summary>A projection applied to the kernel after each optimizer step; none by default.</summary>
    public Constraint? KernelConstraint { get; }

    /// <summary>A projection applied to the bias after each optimizer step; none by default.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The kernel, [..window.., input channels/groups, filters], once built.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>The bias, one per output channel, once built (null without use_bias).</summary>
    public Variable? Bias { get; private set; }

    // The input as 2-D maps: a 1-D input [N, L, C] is [N, 1, L, C].
    private protected (int H, int W, int C) Maps(int[] inputShape)
    {
        if (inputShape.Length != Rank + 2)
            throw new StrataException($"{ClassName} layer '{Name}' expects inputs of rank {Rank + 2} ([batch, {(Rank == 1 ? "steps" : "height, width")}, channels]); received input of shape {ShapeOps.Format(inputShape)}.");
        if (inputShape.Skip(1).Any(d => d <= 0))
            throw new StrataException($"{ClassName} layer '{Name}' needs known spatial sizes and channels; received {ShapeOps.Format(inputShape)}.");
        return Rank == 1 ? (1, inputShape[1], inputShape[2]) : (inputShape[1], inputShape[2], inputShape[3]);
    }

    private protected ConvGeometry Geometry(int batch, int h, int w, int c)
    {
        int kh = Rank == 1 ? 1 : _kernelSize[0], kw = _kernelSize[^1];
        int sh = Rank == 1 ? 1 : _strides[0], sw = _strides[^1];
        int dh = Rank == 1 ? 1 : _dilationRate[0], dw = _dilationRate[^1];
        var (oh, top) = ConvGeometry.Axis(h, kh, sh, dh, Padding == "causal" ? "valid" : Padding);
        var (ow, left) = ConvGeometry.Axis(w, kw, sw, dw, Padding);
        return new ConvGeometry(batch, h, w, c, kh, kw, sh, sw, dh, dw, top, left, oh, ow);
    }

    private protected abstract int OutputChannels(int inputChannels);

    private protected abstract int[] KernelShape(int inputChannels);

    private protected virtual int GroupsFor(int inputChannels) => Groups;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var (h, w, c) = Maps(inputShape);
        int groups = GroupsFor(c);
        if (c % groups != 0)
            throw new StrataException($"{ClassName} layer '{Name}': the number of input channels ({c}) must be divisible by groups ({groups}).");
        var g = Geometry(1, h, w, c);
        if (g.OutputHeight <= 0 || g.OutputWidth <= 0)
            throw new StrataException($"{ClassName} layer '{Name}': the {string.Join("×", KernelSize)} window (dilation {string.Join("×", DilationRate)}) is larger than the input {ShapeOps.Format(inputShape)}; use padding=\"same\" or a smaller kernel.");
        return Rank == 1 ? [inputShape[0], g.OutputWidth, OutputChannels(c)] : [inputShape[0], g.OutputHeight, g.OutputWidth, OutputChannels(c)];
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        var (_, _, c) = Maps(inputShape);
        Kernel = AddVariable("kernel", KernelShape(c), KernelInitializer, true, random, KernelRegularizer, KernelConstraint);
        if (UseBias) Bias = AddVariable("bias", [OutputChannels(c)], BiasInitializer, true, random, BiasRegularizer, BiasConstraint);
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var shape = input.Value.ShapeArray();
        var (h, w, c) = Maps(shape);
        var x = Rank == 1 ? Ops.Reshape(input, shape[0], 1, w, c) : input;
        var kernel = Parameter(input, Kernel!);
        var kernel2D = Ops.Reshape(kernel, Rank == 1 ? [1, .. Kernel!.Value.ShapeArray()[..^2], c / GroupsFor(c), OutputChannels(c)]
            : [Kernel!.Value.Shape[0], Kernel.Value.Shape[1], c / GroupsFor(c), OutputChannels(c)]);
        var y = Ops.Conv2D(x, kernel2D, Bias is null ? null : Parameter(input, Bias), Geometry(shape[0], h, w, c), GroupsFor(c), Activation);
        AddActivityPenalty(ActivityRegularizer, y);
        return Rank == 1 ? Ops.Reshape(y, shape[0], y.Shape[2], y.Shape[3]) : y;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        static JsonArray List(int[] values) => new(values.Select(v => (JsonNode)v).ToArray());
        config["kernel_size"] = List(_kernelSize);
        config["strides"] = List(_strides);
        config["padding"] = Padding;
        config["data_format"] = "channels_last";
        config["dilation_rate"] = List(_dilationRate);
        config["activation"] = Activations.Name(Activation);
        config["use_bias"] = UseBias;
        config["bias_initializer"] = BiasInitializer.ToConfig();
        config["kernel_regularizer"] = KernelRegularizer?.ToConfig();
        config["bias_regularizer"] = BiasRegularizer?.ToConfig();
        config["activity_regularizer"] = ActivityRegularizer?.ToConfig();
        config["kernel_constraint"] = KernelConstraint?.ToConfig();
        config["bias_constraint"] = BiasConstraint?.ToConfig();
        return config;
    }
}
