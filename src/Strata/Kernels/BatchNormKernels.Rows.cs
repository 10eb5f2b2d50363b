using System.Runtime.Intrinsics;

namespace Strata.Kernels;

internal static partial class BatchNormKernels
{
    /// <summary>
    /// The element passes over channels-last rows, on whole vectors of the call's instruction-set path
    /// and a scalar tail with the same arithmetic (every path gives the same bits).
    /// </summary>
    private sealed partial class BatchNormTask
    {
        private unsafe void ExecuteRows(int r0, int r1, int c0, int width)
        {
            var isa = InstructionSets.Current;
            fixed (float* mean = Mean, invStd = InvStd, scale = _scale, shift = _shift, meanDyXHat = _meanDyXHat,
                   x = X, input = Input, xhat = XHat, y = Y, dx = Dx)
            {
                for (int r = r0; r < r1; r++)
                {
                    long o = (long)r * Channels + c0;
                    if (_pass == GridPass.Normalize)
                        switch (isa)
                        {
                            case InstructionSet.Avx512: Normalize<Vector512<float>, Simd512>(x + o, xhat is null ? null : xhat + o, y + o, mean + c0, invStd + c0, scale + c0, shift + c0, width, Relu); break;
                            case InstructionSet.Avx2: Normalize<Vector256<float>, Simd256>(x + o, xhat is null ? null : xhat + o, y + o, mean + c0, invStd + c0, scale + c0, shift + c0, width, Relu); break;
                            case InstructionSet.Portable: Normalize<Vector128<float>, Simd128>(x + o, xhat is null ? null : xhat + o, y + o, mean + c0, invStd + c0, scale + c0, shift + c0, width, Relu); break;
                            default: Normalize<float, Simd1>(x + o, xhat is null ? null : xhat + o, y + o, mean + c0, invStd + c0, scale + c0, shift + c0, width, Relu); break;
                        }
                    else
                        switch (isa)
                        {
                            case InstructionSet.Avx512: InputGradient<Vector512<float>, Simd512>(x + o, input + o, mean + c0, invStd + c0, dx + o, scale + c0, shift + c0, meanDyXHat + c0, width, Accumulate); break;
                            case InstructionSet.Avx2: InputGradient<Vector256<float>, Simd256>(x + o, input + o, mean + c0, invStd + c0, dx + o, scale + c0, shift + c0, meanDyXHat + c0, width, Accumulate); break;
                            case InstructionSet.Portable: InputGradient<Vector128<float>, Simd128>(x + o, input + o, mean + c0, invStd + c0, dx + o, scale + c0, shift + c0, meanDyXHat + c0, width, Accumulate); break;
                            default: InputGradient<float, Simd1>(x + o, input + o, mean + c0, invStd + c0, dx + o, scale + c0, shift + c0, meanDyXHat + c0, width, Accumulate); break;
                        }
                }
            }
        }

        // x̂ = (x − mean)·invStd (kept where xhat is not null), y = x̂·γ + β (product and sum rounded apart),
        // then max(y, 0) with relu, as the relu kernel computes it.
        private static unsafe void Normalize<TV, TOp>(float* x, float* xhat, float* y, float* mean, float* invStd, float* gamma, float* beta, int n,
            bool relu)
            where TV : struct where TOp : ISimd<TV>
        {
            int j = 0;
            bool keep = xhat is not null;
            for (; j + TOp.Width <= n; j += TOp.Width)
            {
                var h = TOp.Multiply(TOp.Subtract(TOp.Load(x + j), TOp.Load(mean + j)), TOp.Load(invStd + j));
                if (keep) TOp.Store(xhat + j, h);
                var v = TOp.Add(TOp.Multiply(h, TOp.Load(gamma + j)), TOp.Load(beta + j));
                TOp.Store(y + j, relu ? TOp.Max(v, TOp.Zero) : v);
            }
            for (; j < n; j++)
            {
                float h = (x[j] - mean[j]) * invStd[j];
                if (keep) xhat[j] = h;
                float v = h * gamma[j] + beta[j];
                y[j] = relu ? MathF.Max(v, 0f) : v;
            }
        }

        // dx += k·(dy − mean(dy) − x̂·mean(dy·x̂)), or dx = … (dx may be dy), with x̂ = (x − mean)·invStd as the forward
        // pass computed it; the means of dy and dy·x̂ are zero with moving statistics.
        private static unsafe void InputGradient<TV, TOp>(float* dy, float* x, float* mean, float* invStd, float* dx, float* k, float* meanDy,
            float* meanDyXHat, int n, bool accumulate)
            where TV : struct where TOp : ISimd<TV>
        {
            int j = 0;
            for (; j + TOp.Width <= n; j += TOp.Width)
            {
                var h = TOp.Multiply(TOp.Subtract(TOp.Load(x + j), TOp.Load(mean + j)), TOp.Load(invStd + j));
                var g = TOp.Subtract(TOp.Subtract(TOp.Load(dy + j), TOp.Load(meanDy + j)), TOp.Multiply(h, TOp.Load(meanDyXHat + j)));
                var v = TOp.Multiply(TOp.Load(k + j), g);
                TOp.Store(dx + j, accumulate ? TOp.Add(TOp.Load(dx + j), v) : v);
            }
            for (; j < n; j++)
            {
                float h = (x[j] - mean[j]) * invStd[j];
                float v = k[j] * (dy[j] - meanDy[j] - h * meanDyXHat[j]);
                dx[j] = accumulate ? dx[j] + v : v;
            }
        }
    }
}
