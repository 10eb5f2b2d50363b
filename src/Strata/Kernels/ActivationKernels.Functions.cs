using Strata.Tensors;

namespace Strata.Kernels;

/// <summary>The activations beyond the first nine: softplus, softsign, swish, hard_sigmoid, hard_silu, mish, relu6, exponential, log_softmax.</summary>
internal static partial class ActivationKernels
{
    /// <summary>Beyond this magnitude softplus is x (or eˣ): log1p(e^−|x|) is below float resolution.</summary>
    private const float SoftplusLinear = 20f;

    private static void ForwardMore(ActivationFunction f, ReadOnlySpan<float> z, Span<float> y, int rowLength)
    {
        switch (f)
        {
            case ActivationFunction.Softplus:
                for (int i = 0; i < z.Length; i++) y[i] = Softplus(z[i]);
                break;
            case ActivationFunction.Softsign:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v / (1f + MathF.Abs(v)); }
                break;
            case ActivationFunction.Swish:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v * Sigmoid(v); }
                break;
            case ActivationFunction.HardSigmoid:
                HardSigmoid(z, y);
                break;
            case ActivationFunction.HardSilu:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v * (MathF.Min(MathF.Max(v + 3f, 0f), 6f) / 6f); }
                break;
            case ActivationFunction.Mish:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v > SoftplusLinear ? v : (float)(v * TanhSoftplus(v)); }
                break;
            case ActivationFunction.Relu6:
                Relu6(z, y);
                break;
            case ActivationFunction.Exponential:
                for (int i = 0; i < z.Length; i++) y[i] = MathF.Exp(z[i]);
                break;
            case ActivationFunction.LogSoftmax:
                for (int r = 0; r < z.Length; r += rowLength)
                    LogSoftmax(z.Slice(r, rowLength), y.Slice(r, rowLength), 1);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(f));
        }
    }

    private static void BackwardMore(ActivationFunction f, ReadOnlySpan<float> z, ReadOnlySpan<float> y,
        ReadOnlySpan<float> dy, Span<float> dz, int rowLength)
    {
        switch (f)
        {
            case ActivationFunction.Softplus:
                for (int i = 0; i < dz.Length; i++) dz[i] = dy[i] * Sigmoid(z[i]);
                break;
            case ActivationFunction.Softsign:
                for (int i = 0; i < dz.Length; i++) { float d = 1f + MathF.Abs(z[i]); dz[i] = dy[i] / (d * d); }
                break;
            case ActivationFunction.Swish:
                for (int i = 0; i < dz.Length; i++) { float v = z[i], s = Sigmoid(v); dz[i] = dy[i] * s * (1f + v * (1f - s)); }
                break;
            case ActivationFunction.HardSigmoid:
                // The slope is 1/6 strictly inside (−3, 3), which is where 0 < y < 1.
                for (int i = 0; i < y.Length; i++) dz[i] = y[i] > 0f && y[i] < 1f ? dy[i] / 6f : 0f;
                break;
            case ActivationFunction.HardSilu:
                for (int i = 0; i < dz.Length; i++) { float v = z[i]; dz[i] = dy[i] * (v < -3f ? 0f : v <= 3f ? v / 3f + 0.5f : 1f); }
                break;
            case ActivationFunction.Mish:
                for (int i = 0; i < dz.Length; i++)
                {
                    float v = z[i];
                    if (v > SoftplusLinear) { dz[i] = dy[i]; continue; }
                    // d/dx x·tanh(sp(x)) = tanh(sp) + x·(1 − tanh²(sp))·sigmoid(x).
                    double t = TanhSoftplus(v), e = Math.Exp(v);
                    dz[i] = dy[i] * (float)(t + v * (1 - t * t) * (e / (1 + e)));
                }
                break;
            case ActivationFunction.Relu6:
                Relu6Backward(y, dy, dz);
                break;
            case ActivationFunction.Exponential:
                for (int i = 0; i < y.Length; i++) dz[i] = dy[i] * y[i];
                break;
            case ActivationFunction.LogSoftmax:
                for (int r = 0; r < y.Length; r += rowLength)
                    LogSoftmaxBackward(y.Slice(r, rowLength), dy.Slice(r, rowLength), dz.Slice(r, rowLength), 1);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(f));
        }
    }

    /// <summary>log(1 + eˣ) without overflow, accurate for large negative x.</summary>
    internal static float Softplus(float v) =>
        v > SoftplusLinear ? v : v < -SoftplusLinear ? MathF.Exp(v) : (float)Math.Log(1.0 + Math.Exp(v));

    /// <summary>tanh(softplus(x)) = n/(n + 2) with n = eˣ(eˣ + 2), which neither overflows below x = 20 nor cancels.</summary>
    private static double TanhSoftplus(float v)
    {
        double e = Math.Exp(v), n = e * (e + 2);
        return n / (n + 2);
    }

    private static void Relu6(ReadOnlySpan<float> z, Span<float> y) => ElementWise.Map<Relu6Operator>(z, z, y);

    private static void Relu6Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz) =>
        ElementWise.Map<Relu6GradientOperator>(y, dy, dz);

    /// <summary>relu6(x + 3)/6, the form of Keras 3 and PyTorch.</summary>
    private static void HardSigmoid(ReadOnlySpan<float> z, Span<float> y) => ElementWise.Map<HardSigmoidOperator>(z, z, y);

    /// <summary>
    /// log softmax of the n values z[0], z[stride], ..., stable for large logits (the sum in double);
    /// may run in place.
    /// </summary>
    internal static void LogSoftmax(ReadOnlySpan<float> z, Span<float> y, int stride)
    {
        int n = (z.Length - 1) / stride + 1;
        float max = float.NegativeInfinity;
        for (int j = 0; j < n; j++) max = MathF.Max(max, z[j * stride]);
        double sum = 0;
        for (int j = 0; j < n; j++) sum += Math.Exp(z[j * stride] - max);
        float logSum = max + (float)Math.Log(sum);
        for (int j = 0; j < n; j++) y[j * stride] = z[j * stride] - logSum;
    }

    /// <summary>dz = dy − softmax·Σdy over the n strided values, softmax taken as e^y; may run in place on dy.</summary>
    internal static void LogSoftmaxBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int stride)
    {
        int n = (y.Length - 1) / stride + 1;
        float total = 0;
        for (int j = 0; j < n; j++) total += dy[j * stride];
        for (int j = 0; j < n; j++) dz[j * stride] = dy[j * stride] - MathF.Exp(y[j * stride]) * total;
    }
}
