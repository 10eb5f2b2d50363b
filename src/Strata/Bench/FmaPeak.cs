using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Bench;

/// <summary>
/// The float FMA throughput of the instruction-set path the kernels use: what a matrix product on
/// that path could reach at best on this clock (lanes × 2 flops × FMAs per cycle).
/// </summary>
internal static class FmaPeak
{
    private const int Chains = 12;

    /// <summary>Floats per FMA on <paramref name="isa"/>: 16 on AVX-512, 8 on AVX2, 4 portable, 1 scalar.</summary>
    public static int Lanes(InstructionSet isa) => isa switch
    {
        InstructionSet.Avx512 => 16,
        InstructionSet.Avx2 => 8,
        InstructionSet.Portable => 4,
        _ => 1,
    };

    /// <summary>GFLOP/s of fused multiply-adds on <paramref name="isa"/>, the best of a few short runs on <paramref name="threads"/> threads.</summary>
    /// <remarks>The best, because a shared machine's clock and neighbours only ever slow a run down.</remarks>
    public static double Measure(InstructionSet isa, int threads) => Enumerable.Range(0, 5).Max(_ => Run(isa, threads));

    private static double Run(InstructionSet isa, int threads)
    {
        const int iterations = 10_000_000;
        var ready = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            ready.SignalAndWait();
            Loop(isa, iterations);
            ready.SignalAndWait();
        })).ToList();
        workers.ForEach(w => w.Start());
        ready.SignalAndWait();
        var clock = Stopwatch.StartNew();
        ready.SignalAndWait();
        double seconds = clock.Elapsed.TotalSeconds;
        workers.ForEach(w => w.Join());
        return threads * (double)iterations * Chains * Lanes(isa) * 2 / seconds / 1e9;
    }

    private static float Loop(InstructionSet isa, int iterations) => isa switch
    {
        InstructionSet.Avx512 => Vector512.Sum(Chain<Vector512<float>, Simd512>(iterations)),
        InstructionSet.Avx2 => Vector256.Sum(Chain<Vector256<float>, Simd256>(iterations)),
        InstructionSet.Portable => Vector128.Sum(Chain<Vector128<float>, Simd128>(iterations)),
        _ => ChainScalar(iterations),
    };

    // Twelve independent chains cover the FMA latency (4 cycles) on two pipes.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TV Chain<TV, TOp>(int iterations) where TV : struct where TOp : ISimd<TV>
    {
        TV m = TOp.Broadcast(0.999999f), add = TOp.Broadcast(1e-7f), a0 = TOp.Broadcast(1f);
        TV a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = TOp.FusedMultiplyAdd(a0, m, add); a1 = TOp.FusedMultiplyAdd(a1, m, add);
            a2 = TOp.FusedMultiplyAdd(a2, m, add); a3 = TOp.FusedMultiplyAdd(a3, m, add);
            a4 = TOp.FusedMultiplyAdd(a4, m, add); a5 = TOp.FusedMultiplyAdd(a5, m, add);
            a6 = TOp.FusedMultiplyAdd(a6, m, add); a7 = TOp.FusedMultiplyAdd(a7, m, add);
            a8 = TOp.FusedMultiplyAdd(a8, m, add); a9 = TOp.FusedMultiplyAdd(a9, m, add);
            a10 = TOp.FusedMultiplyAdd(a10, m, add); a11 = TOp.FusedMultiplyAdd(a11, m, add);
        }
        var left = TOp.Add(TOp.Add(TOp.Add(a0, a1), TOp.Add(a2, a3)), TOp.Add(TOp.Add(a4, a5), TOp.Add(a6, a7)));
        return TOp.Add(left, TOp.Add(TOp.Add(a8, a9), TOp.Add(a10, a11)));
    }

    // The scalar reference path's peak: one lane, the same twelve chains.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float ChainScalar(int iterations)
    {
        const float m = 0.999999f, add = 1e-7f;
        Span<float> a = stackalloc float[Chains];
        a.Fill(1f);
        for (int i = 0; i < iterations; i++)
            for (int j = 0; j < Chains; j++) a[j] = MathF.FusedMultiplyAdd(a[j], m, add);
        float sum = 0;
        foreach (float v in a) sum += v;
        return sum;
    }
}
