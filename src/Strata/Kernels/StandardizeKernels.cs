using System.Runtime.Intrinsics;

namespace Strata.Kernels;

/// <summary>
/// Layer and group normalization's element runs: y = (x − mean)/σ and its input gradient, on whole vectors
/// of the call's instruction-set path and a scalar tail with the same arithmetic (the same bits on every path).
/// Dividing by σ rather than multiplying by 1/σ rounds once instead of twice.
/// </summary>
internal static unsafe class StandardizeKernels
{
    /// <summary>y = (x − mean)/σ.</summary>
    public static void Normalize(ReadOnlySpan<float> x, Span<float> y, float mean, float std)
    {
        fixed (float* px = x, py = y)
            switch (InstructionSets.Current)
            {
                case InstructionSet.Avx512: Normalize<Vector512<float>, Simd512>(px, py, mean, std, x.Length); break;
                case InstructionSet.Avx2: Normalize<Vector256<float>, Simd256>(px, py, mean, std, x.Length); break;
                case InstructionSet.Portable: Normalize<Vector128<float>, Simd128>(px, py, mean, std, x.Length); break;
                default: Normalize<float, Simd1>(px, py, mean, std, x.Length); break;
            }
    }

    /// <summary>dx += (g − mean(g) − x̂·mean(g·x̂))/σ.</summary>
    public static void InputGradient(ReadOnlySpan<float> g, ReadOnlySpan<float> xhat, Span<float> dx, float std, float meanG, float meanGX)
    {
        fixed (float* pg = g, ph = xhat, pd = dx)
            switch (InstructionSets.Current)
            {
                case InstructionSet.Avx512: InputGradient<Vector512<float>, Simd512>(pg, ph, pd, std, meanG, meanGX, g.Length); break;
                case InstructionSet.Avx2: InputGradient<Vector256<float>, Simd256>(pg, ph, pd, std, meanG, meanGX, g.Length); break;
                case InstructionSet.Portable: InputGradient<Vector128<float>, Simd128>(pg, ph, pd, std, meanG, meanGX, g.Length); break;
                default: InputGradient<float, Simd1>(pg, ph, pd, std, meanG, meanGX, g.Length); break;
            }
    }

    private static void Normalize<TV, TOp>(float* x, float* y, float mean, float std, int n) where TV : struct where TOp : ISimd<TV>
    {
        var m = TOp.Broadcast(mean);
        var k = TOp.Broadcast(std);
        int i = 0;
        for (; i + TOp.Width <= n; i += TOp.Width) TOp.Store(y + i, TOp.Divide(TOp.Subtract(TOp.Load(x + i), m), k));
        for (; i < n; i++) y[i] = (x[i] - mean) / std;
    }

    private static void InputGradient<TV, TOp>(float* g, float* xhat, float* dx, float std, float meanG, float meanGX, int n)
        where TV : struct where TOp : ISimd<TV>
    {
        var k = TOp.Broadcast(std);
        var mg = TOp.Broadcast(meanG);
        var mgx = TOp.Broadcast(meanGX);
        int i = 0;
        for (; i + TOp.Width <= n; i += TOp.Width)
        {
            var d = TOp.Subtract(TOp.Subtract(TOp.Load(g + i), mg), TOp.Multiply(TOp.Load(xhat + i), mgx));
            TOp.Store(dx + i, TOp.Add(TOp.Load(dx + i), TOp.Divide(d, k)));
        }
        for (; i < n; i++) dx[i] += (g[i] - meanG - xhat[i] * meanGX) / std;
    }
}
