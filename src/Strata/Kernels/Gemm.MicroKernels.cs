using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Kernels;

// Register transposes for packing, the packed panels' calls into the micro-kernels (Gemm.Strided.cs), and their stores.
internal static unsafe partial class Gemm
{
    // dst row p (stride dstStride) = column p of the 8×8 block at src (stride srcStride).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(float* src, long srcStride, float* dst, long dstStride)
    {
        var (t0, t1, t2, t3, t4, t5, t6, t7) = Transpose(
            Avx.LoadVector256(src), Avx.LoadVector256(src + srcStride),
            Avx.LoadVector256(src + 2 * srcStride), Avx.LoadVector256(src + 3 * srcStride),
            Avx.LoadVector256(src + 4 * srcStride), Avx.LoadVector256(src + 5 * srcStride),
            Avx.LoadVector256(src + 6 * srcStride), Avx.LoadVector256(src + 7 * srcStride));
        Avx.Store(dst, t0); Avx.Store(dst + dstStride, t1);
        Avx.Store(dst + 2 * dstStride, t2); Avx.Store(dst + 3 * dstStride, t3);
        Avx.Store(dst + 4 * dstStride, t4); Avx.Store(dst + 5 * dstStride, t5);
        Avx.Store(dst + 6 * dstStride, t6); Avx.Store(dst + 7 * dstStride, t7);
    }

    // Eight columns of six rows into eight consecutive groups of six; writes two floats past the last group.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeSixRows(float* src, long srcStride, float* dst) =>
        TransposeSixRows(src, src + srcStride, src + 2 * srcStride, src + 3 * srcStride, src + 4 * srcStride, src + 5 * srcStride, dst);

    // The same with each row anywhere in memory.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeSixRows(float* r0, float* r1, float* r2, float* r3, float* r4, float* r5, float* dst)
    {
        var zero = Vector256<float>.Zero;
        var (t0, t1, t2, t3, t4, t5, t6, t7) = Transpose(
            Avx.LoadVector256(r0), Avx.LoadVector256(r1), Avx.LoadVector256(r2),
            Avx.LoadVector256(r3), Avx.LoadVector256(r4), Avx.LoadVector256(r5), zero, zero);
        Avx.Store(dst, t0); Avx.Store(dst + 6, t1); Avx.Store(dst + 12, t2); Avx.Store(dst + 18, t3);
        Avx.Store(dst + 24, t4); Avx.Store(dst + 30, t5); Avx.Store(dst + 36, t6); Avx.Store(dst + 42, t7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>,
        Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) Transpose(
        Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7)
    {
        var u0 = Avx.UnpackLow(r0, r1); var u1 = Avx.UnpackHigh(r0, r1);
        var u2 = Avx.UnpackLow(r2, r3); var u3 = Avx.UnpackHigh(r2, r3);
        var u4 = Avx.UnpackLow(r4, r5); var u5 = Avx.UnpackHigh(r4, r5);
        var u6 = Avx.UnpackLow(r6, r7); var u7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(u0, u2, 0x44); var s1 = Avx.Shuffle(u0, u2, 0xEE);
        var s2 = Avx.Shuffle(u1, u3, 0x44); var s3 = Avx.Shuffle(u1, u3, 0xEE);
        var s4 = Avx.Shuffle(u4, u6, 0x44); var s5 = Avx.Shuffle(u4, u6, 0xEE);
        var s6 = Avx.Shuffle(u5, u7, 0x44); var s7 = Avx.Shuffle(u5, u7, 0xEE);
        return (Avx.Permute2x128(s0, s4, 0x20), Avx.Permute2x128(s1, s5, 0x20),
            Avx.Permute2x128(s2, s6, 0x20), Avx.Permute2x128(s3, s7, 0x20),
            Avx.Permute2x128(s0, s4, 0x31), Avx.Permute2x128(s1, s5, 0x31),
            Avx.Permute2x128(s2, s6, 0x31), Avx.Permute2x128(s3, s7, 0x31));
    }

    /// <summary>C[mr×nr] (+)= the packed A panel times the packed B panel, on the micro-kernel of <paramref name="isa"/>.</summary>
    // A packed panel is one run of kc steps, Mr values each. Kept out of line: the run's address-taken start and
    // length would otherwise live in the caller's loops.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MicroKernel(InstructionSet isa, int kc, float* a, float* b, float* c, int ldc, int mr, int nr, bool accumulate)
    {
        nint start = (nint)a;
        MultiplyStrided(isa, new StridedPanels(&start, &kc, 1, Mr), 0, 0, b, PanelWidth(isa), c, ldc, mr, nr, accumulate);
    }

    /// <summary>Two full packed A panels (anywhere) against one 32-wide B panel: a 12 × 32 tile of C.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MicroKernel12x32(int kc, float* a, float* a1, float* b, float* c, int ldc, bool accumulate)
    {
        nint start = (nint)a;
        Strided12x32(new StridedPanels(&start, &kc, 1, Mr), 0, a1 - a, b, Nr512, c, ldc, accumulate, null);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows<TV, TOp>(float* c, int ldc, bool accumulate, TV c00, TV c01, TV c10, TV c11, TV c20, TV c21,
        TV c30, TV c31, TV c40, TV c41, TV c50, TV c51) where TV : struct where TOp : ISimd<TV>
    {
        Store<TV, TOp>(c, c00, c01, accumulate); c += ldc;
        Store<TV, TOp>(c, c10, c11, accumulate); c += ldc;
        Store<TV, TOp>(c, c20, c21, accumulate); c += ldc;
        Store<TV, TOp>(c, c30, c31, accumulate); c += ldc;
        Store<TV, TOp>(c, c40, c41, accumulate); c += ldc;
        Store<TV, TOp>(c, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TV, TOp>(float* c, TV lo, TV hi, bool accumulate) where TV : struct where TOp : ISimd<TV>
    {
        if (accumulate)
        {
            lo = TOp.Add(lo, TOp.Load(c));
            hi = TOp.Add(hi, TOp.Load(c + TOp.Width));
        }
        TOp.Store(c, lo);
        TOp.Store(c + TOp.Width, hi);
    }

    private static void StoreEdge(float* tile, int stride, float* c, int ldc, int mr, int nr, bool accumulate)
    {
        for (int r = 0; r < mr; r++)
        {
            float* row = c + (long)r * ldc;
            float* t = tile + r * stride;
            if (accumulate)
                for (int j = 0; j < nr; j++) row[j] += t[j];
            else
                for (int j = 0; j < nr; j++) row[j] = t[j];
        }
    }
}
