using Strata.Tensors;

namespace Strata.Kernels;

/// <summary>
/// Activations with arguments other than their defaults (relu's negative_slope, max_value and
/// threshold, leaky_relu's slope, elu's alpha, softmax over another axis). These read z, which the
/// activation node always has.
/// </summary>
internal static partial class ActivationKernels
{
    /// <summary>The sizes before, along and after <paramref name="axis"/> (negative from the end) of <paramref name="shape"/>.</summary>
    public static (int Outer, int Length, int Inner) SplitAt(ReadOnlySpan<int> shape, int axis)
    {
        if (shape.Length == 0) return (1, 1, 1);
        int a = axis < 0 ? axis + shape.Length : axis;
        int outer = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= shape[d];
        for (int d = a + 1; d < shape.Length; d++) inner *= shape[d];
        return (outer, shape[a], inner);
    }

    /// <summary>y = f(z) for <paramref name="a"/> over a tensor of <paramref name="shape"/>; may run in place.</summary>
    public static void Forward(in ActivationArguments a, ReadOnlySpan<float> z, Span<float> y, ReadOnlySpan<int> shape)
    {
        switch (a.Function)
        {
            case ActivationFunction.Relu:
            {
                // Keras: max_value from max_value up, x above the threshold, negative_slope·(x − threshold) up to it.
                float threshold = a.Threshold, slope = a.NegativeSlope, max = a.MaxValue ?? float.PositiveInfinity;
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v > threshold ? MathF.Min(v, max) : slope * (v - threshold); }
                break;
            }
            case ActivationFunction.LeakyRelu:
            {
                float slope = a.NegativeSlope;
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v > 0 ? v : slope * v; }
                break;
            }
            case ActivationFunction.Elu:
            {
                float alpha = a.Alpha;
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v > 0 ? v : alpha * (MathF.Exp(v) - 1f); }
                break;
            }
            case ActivationFunction.Softmax or ActivationFunction.LogSoftmax:
                AlongAxis(a, z, default, default, y, shape, backward: false);
                break;
            default:
                Forward(a.Function, z, y, shape.Length == 0 ? 1 : shape[^1]);
                break;
        }
    }

    /// <summary>dz = dy · f′ for <paramref name="a"/>, written into <paramref name="dz"/>; may run in place on dy.</summary>
    public static void Backward(in ActivationArguments a, ReadOnlySpan<float> z, ReadOnlySpan<float> y,
        ReadOnlySpan<float> dy, Span<float> dz, ReadOnlySpan<int> shape)
    {
        switch (a.Function)
        {
            case ActivationFunction.Relu:
            {
                float threshold = a.Threshold, slope = a.NegativeSlope, max = a.MaxValue ?? float.PositiveInfinity;
                for (int i = 0; i < dz.Length; i++) { float v = z[i]; dz[i] = v > threshold ? (v < max ? dy[i] : 0f) : slope * dy[i]; }
                break;
            }
            case ActivationFunction.LeakyRelu:
            {
                float slope = a.NegativeSlope;
                for (int i = 0; i < dz.Length; i++) dz[i] = z[i] > 0 ? dy[i] : slope * dy[i];
                break;
            }
            case ActivationFunction.Elu:
            {
                float alpha = a.Alpha;
                for (int i = 0; i < dz.Length; i++) dz[i] = z[i] > 0 ? dy[i] : dy[i] * (y[i] + alpha);
                break;
            }
            case ActivationFunction.Softmax or ActivationFunction.LogSoftmax:
                AlongAxis(a, z, y, dy, dz, shape, backward: true);
                break;
            default:
                Backward(a.Function, z, y, dy, dz, shape.Length == 0 ? 1 : shape[^1]);
                break;
        }
    }

    /// <summary>
    /// Softmax or log_softmax over <c>a.Axis</c>, forward (z to <paramref name="output"/>) or backward (y and dy to
    /// <paramref name="output"/>): one strided slice per position before and after the axis.
    /// </summary>
    private static void AlongAxis(in ActivationArguments a, ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy,
        Span<float> output, ReadOnlySpan<int> shape, bool backward)
    {
        var (outer, n, inner) = SplitAt(shape, a.Axis);
        int span = (n - 1) * inner + 1;
        bool softmax = a.Function == ActivationFunction.Softmax;
        for (int o = 0; o < outer; o++)
            for (int k = 0; k < inner; k++)
            {
                int start = o * n * inner + k;
                var slice = output.Slice(start, span);
                if (!backward)
                {
                    if (softmax) SoftmaxStrided(z.Slice(start, span), slice, inner);
                    else LogSoftmax(z.Slice(start, span), slice, inner);
                }
                else if (softmax) SoftmaxStridedBackward(y.Slice(start, span), dy.Slice(start, span), slice, inner);
                else LogSoftmaxBackward(y.Slice(start, span), dy.Slice(start, span), slice, inner);
            }
    }

    /// <summary>Softmax of z[0], z[stride], ..., as <see cref="SoftmaxRow"/> computes a contiguous row.</summary>
    private static void SoftmaxStrided(ReadOnlySpan<float> z, Span<float> y, int stride)
    {
        int n = (z.Length - 1) / stride + 1;
        float max = float.NegativeInfinity;
        for (int j = 0; j < n; j++) max = MathF.Max(max, z[j * stride]);
        float sum = 0;
        for (int j = 0; j < n; j++) { y[j * stride] = MathF.Exp(z[j * stride] - max); sum += y[j * stride]; }
        float inv = 1f / sum;
        for (int j = 0; j < n; j++) y[j * stride] *= inv;
    }

    private static void SoftmaxStridedBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int stride)
    {
        int n = (y.Length - 1) / stride + 1;
        float dot = 0;
        for (int j = 0; j < n; j++) dot += dy[j * stride] * y[j * stride];
        for (int j = 0; j < n; j++) dz[j * stride] = y[j * stride] * (dy[j * stride] - dot);
    }
}
