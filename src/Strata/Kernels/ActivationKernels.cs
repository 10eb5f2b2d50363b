using Strata.Tensors;

namespace Strata.Kernels;

/// <summary>
/// Activation forward and backward. Most derivatives are computed from the output y, so fused
/// layers need to keep only y; those listed by <see cref="NeedsPreActivation"/> also need the
/// pre-activation z.
/// </summary>
internal static partial class ActivationKernels
{
    internal const float SeluAlpha = 1.6732632423543772f;
    internal const float SeluScale = 1.0507009873554805f;
    internal const float LeakySlope = ActivationArguments.LeakyReluSlope;

    /// <summary>Whether the derivative needs z: where y does not determine it (swish, mish) or loses precision in it (softplus, softsign).</summary>
    public static bool NeedsPreActivation(ActivationFunction f) => f is ActivationFunction.Gelu or ActivationFunction.Softplus
        or ActivationFunction.Softsign or ActivationFunction.Swish or ActivationFunction.HardSilu or ActivationFunction.Mish;

    /// <summary>y = f(z); may run in place (z and y the same span).</summary>
    public static void Forward(ActivationFunction f, ReadOnlySpan<float> z, Span<float> y, int rowLength)
    {
        switch (f)
        {
            case ActivationFunction.Linear:
                if (!z.Overlaps(y)) z.CopyTo(y);
                break;
            case ActivationFunction.Relu:
                Relu(z, y);
                break;
            case ActivationFunction.Sigmoid:
                ElementWise.Map<SigmoidOperator>(z, z, y);
                break;
            case ActivationFunction.Tanh:
                ElementWise.Map<TanhOperator>(z, z, y);
                break;
            case ActivationFunction.Softmax:
                for (int r = 0; r < z.Length; r += rowLength)
                    SoftmaxRow(z.Slice(r, rowLength), y.Slice(r, rowLength));
                break;
            case ActivationFunction.Elu:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v > 0 ? v : MathF.Exp(v) - 1f; }
                break;
            case ActivationFunction.Selu:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = SeluScale * (v > 0 ? v : SeluAlpha * (MathF.Exp(v) - 1f)); }
                break;
            case ActivationFunction.Gelu:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = 0.5f * v * (1f + Erf(v * 0.70710678f)); }
                break;
            case ActivationFunction.LeakyRelu:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v > 0 ? v : LeakySlope * v; }
                break;
            default:
                ForwardMore(f, z, y, rowLength);
                break;
        }
    }

    /// <summary>dz = dy · f'(z), written (not accumulated) into <paramref name="dz"/>; may run in place on dy.</summary>
    public static void Backward(ActivationFunction f, ReadOnlySpan<float> z, ReadOnlySpan<float> y,
        ReadOnlySpan<float> dy, Span<float> dz, int rowLength)
    {
        switch (f)
        {
            case ActivationFunction.Linear:
                if (!dy.Overlaps(dz)) dy.CopyTo(dz);
                break;
            case ActivationFunction.Relu:
                ReluBackward(y, dy, dz);
                break;
            case ActivationFunction.Sigmoid:
                ElementWise.Map<SigmoidGradientOperator>(y, dy, dz);
                break;
            case ActivationFunction.Tanh:
                ElementWise.Map<TanhGradientOperator>(y, dy, dz);
                break;
            case ActivationFunction.Softmax:
                for (int r = 0; r < y.Length; r += rowLength)
                {
                    var yr = y.Slice(r, rowLength);
                    var dyr = dy.Slice(r, rowLength);
                    float dot = 0;
                    for (int j = 0; j < rowLength; j++) dot += dyr[j] * yr[j];
                    var dzr = dz.Slice(r, rowLength);
                    for (int j = 0; j < rowLength; j++) dzr[j] = yr[j] * (dyr[j] - dot);
                }
                break;
            case ActivationFunction.Elu:
                for (int i = 0; i < y.Length; i++) dz[i] = dy[i] * (y[i] > 0 ? 1f : y[i] + 1f);
                break;
            case ActivationFunction.Selu:
                for (int i = 0; i < y.Length; i++) dz[i] = dy[i] * (y[i] > 0 ? SeluScale : y[i] + SeluScale * SeluAlpha);
                break;
            case ActivationFunction.Gelu:
                for (int i = 0; i < z.Length; i++)
                {
                    float v = z[i];
                    float cdf = 0.5f * (1f + Erf(v * 0.70710678f));
                    float pdf = 0.39894228f * MathF.Exp(-0.5f * v * v);
                    dz[i] = dy[i] * (cdf + v * pdf);
                }
                break;
            case ActivationFunction.LeakyRelu:
                for (int i = 0; i < y.Length; i++) dz[i] = dy[i] * (y[i] > 0 ? 1f : LeakySlope);
                break;
            default:
                BackwardMore(f, z, y, dy, dz, rowLength);
                break;
        }
    }

    public static float Sigmoid(float v) => v >= 0 ? 1f / (1f + MathF.Exp(-v)) : MathF.Exp(v) / (1f + MathF.Exp(v));

    private static void Relu(ReadOnlySpan<float> z, Span<float> y) => ElementWise.Map<ReluOperator>(z, z, y);

    private static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz) =>
        ElementWise.Map<ReluGradientOperator>(y, dy, dz);

    private static void SoftmaxRow(ReadOnlySpan<float> z, Span<float> y)
    {
        float max = float.NegativeInfinity;
        foreach (float v in z) max = MathF.Max(max, v);
        float sum = 0;
        for (int j = 0; j < z.Length; j++) { y[j] = MathF.Exp(z[j] - max); sum += y[j]; }
        float inv = 1f / sum;
        for (int j = 0; j < y.Length; j++) y[j] *= inv;
    }

    /// <summary>erf(x) through the Chebyshev fit of erfc from Numerical Recipes (relative error below 1.2e-7).</summary>
    internal static float Erf(float x)
    {
        double t = 1.0 / (1.0 + 0.5 * Math.Abs(x));
        double r = t * Math.Exp(-x * (double)x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
            t * (-0.82215223 + t * 0.17087277)))))))));
        return (float)(x >= 0 ? 1.0 - r : r - 1.0);
    }
}
