using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Convolutional;

/// <summary>
/// The common part of Conv1D and Conv2D, as Keras's BaseConv: channels-last input, kernel
/// [..window.., in/groups, filters], output activation(conv(x) + bias). Padding "valid" (Keras's
/// default) or "same" (output size ⌈input/stride⌉, the extra padding after, as TensorFlow);
/// strides and dilation cannot both exceed 1. A 1-D convolution runs as a 2-D one of height 1.
/// PyTorch's nn.Conv2d weight [out, in/groups, kh, kw] is this kernel permuted (2, 3, 1, 0).
/// </summary>
public abstract class Convolution : Layer<ConvolutionConfig>, IWeightLayer, IActivated
{
    private protected Convolution(ConvolutionConfig config) : base(config) { }

    /// <summary>The number of spatial axes (1 or 2).</summary>
    public int Rank => Config.Rank;

    /// <summary>The window size along each spatial axis (Keras's kernel_size).</summary>
    public IReadOnlyList<int> KernelSize => Config.KernelSize;

    /// <summary>The window's step along each spatial axis; 1 by default.</summary>
    public IReadOnlyList<int> Strides => Config.Strides;

    /// <summary>Valid (no padding, Keras's default), same (output size ⌈input/stride⌉) or, for Conv1D, causal.</summary>
    public Padding Padding => Config.Padding;

    /// <summary>The spacing between kernel taps along each spatial axis (Keras's dilation_rate); 1 by default.</summary>
    public IReadOnlyList<int> DilationRate => Config.DilationRate;

    /// <inheritdoc/>
    public ActivationFunction Activation => Config.Activation;

    /// <inheritdoc/>
    public bool UseBias => Config.BiasSettings is not null;

    /// <summary>How many groups an input of <paramref name="inputChannels"/> channels is split into (a depthwise convolution: one per channel).</summary>
    public int GroupsFor(int inputChannels) => Config.GroupsFor(inputChannels);

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
        int kh = Rank == 1 ? 1 : KernelSize[0], kw = KernelSize[^1];
        int sh = Rank == 1 ? 1 : Strides[0], sw = Strides[^1];
        int dh = Rank == 1 ? 1 : DilationRate[0], dw = DilationRate[^1];
        var (oh, top) = ConvGeometry.Axis(h, kh, sh, dh, Padding == Padding.Causal ? "valid" : KerasConfig.EnumName(Padding));
        var (ow, left) = ConvGeometry.Axis(w, kw, sw, dw, KerasConfig.EnumName(Padding));
        return new ConvGeometry(batch, h, w, c, kh, kw, sh, sw, dh, dw, top, left, oh, ow);
    }

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
        return Rank == 1 ? [inputShape[0], g.OutputWidth, Config.OutputChannels(c)] : [inputShape[0], g.OutputHeight, g.OutputWidth, Config.OutputChannels(c)];
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        var (_, _, c) = Maps(inputShape);
        Kernel = AddWeight("kernel", Config.KernelShape(c), Config.KernelSettings, random);
        if (Config.BiasSettings is { } bias) Bias = AddWeight("bias", [Config.OutputChannels(c)], bias, random);
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var shape = input.Value.ShapeArray();
        var (h, w, c) = Maps(shape);
        var x = Rank == 1 ? Ops.Reshape(input, shape[0], 1, w, c) : input;
        var kernel = Parameter(input, Kernel!);
        // A 2-D kernel is read as it is, so the convolution is its only reader (fixed-point sums need that).
        var kernel2D = Rank == 1 ? Ops.Reshape(kernel, [1, .. Kernel!.Value.ShapeArray()[..^2], c / GroupsFor(c), Config.OutputChannels(c)])
            : Kernel!.Value.Shape[2] == c / GroupsFor(c) ? kernel
            : Ops.Reshape(kernel, [Kernel.Value.Shape[0], Kernel.Value.Shape[1], c / GroupsFor(c), Config.OutputChannels(c)]);
        var y = Ops.Conv2D(x, kernel2D, Bias is null ? null : Parameter(input, Bias), Geometry(shape[0], h, w, c), GroupsFor(c), Activation);
        AddActivityPenalty(Config.ActivityRegularizer, y);
        return Rank == 1 ? Ops.Reshape(y, shape[0], y.Shape[2], y.Shape[3]) : y;
    }
}
