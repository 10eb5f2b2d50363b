using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Kernels;

// Register transposes for packing and the micro-kernels that multiply packed panels.
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel(InstructionSet isa, int kc, float* a, float* b, float* c, int ldc, int mr, int nr, bool accumulate)
    {
        switch (isa)
        {
            case InstructionSet.Avx512: MicroKernel<Vector512<float>, Simd512>(kc, a, b, Nr512, c, ldc, mr, nr, accumulate); break;
            case InstructionSet.Avx2: MicroKernel<Vector256<float>, Simd256>(kc, a, b, Nr, c, ldc, mr, nr, accumulate); break;
            case InstructionSet.Portable:
                // The 16-wide panel in two 8-wide halves: a half's twelve accumulators fit in sixteen
                // registers, and the halves' sums never meet, so each value's order is unchanged.
                MicroKernel<Vector128<float>, Simd128>(kc, a, b, Nr, c, ldc, mr, Math.Min(nr, 8), accumulate);
                if (nr > 8) MicroKernel<Vector128<float>, Simd128>(kc, a, b + 8, Nr, c + 8, ldc, mr, nr - 8, accumulate);
                break;
            default: MicroKernelScalar(kc, a, b, c, ldc, mr, nr, accumulate); break;
        }
    }

    // A 6 × (2 vectors) tile of C in twelve accumulators, B rows `stride` apart. Each C value is summed
    // p = 0, 1, ... with one FMA per step from zero, whatever the vector width: every path's bits agree.
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void MicroKernel<TV, TOp>(int kc, float* a, float* b, int stride, float* c, int ldc, int mr, int nr, bool accumulate)
        where TV : struct where TOp : ISimd<TV>
    {
        int w = TOp.Width;
        TV c00 = TOp.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        TV c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++)
        {
            var b0 = TOp.Load(b);
            var b1 = TOp.Load(b + w);
            var a0 = TOp.Broadcast(a[0]); c00 = TOp.FusedMultiplyAdd(a0, b0, c00); c01 = TOp.FusedMultiplyAdd(a0, b1, c01);
            var a1 = TOp.Broadcast(a[1]); c10 = TOp.FusedMultiplyAdd(a1, b0, c10); c11 = TOp.FusedMultiplyAdd(a1, b1, c11);
            var a2 = TOp.Broadcast(a[2]); c20 = TOp.FusedMultiplyAdd(a2, b0, c20); c21 = TOp.FusedMultiplyAdd(a2, b1, c21);
            var a3 = TOp.Broadcast(a[3]); c30 = TOp.FusedMultiplyAdd(a3, b0, c30); c31 = TOp.FusedMultiplyAdd(a3, b1, c31);
            var a4 = TOp.Broadcast(a[4]); c40 = TOp.FusedMultiplyAdd(a4, b0, c40); c41 = TOp.FusedMultiplyAdd(a4, b1, c41);
            var a5 = TOp.Broadcast(a[5]); c50 = TOp.FusedMultiplyAdd(a5, b0, c50); c51 = TOp.FusedMultiplyAdd(a5, b1, c51);
            a += Mr;
            b += stride;
        }

        if (mr == Mr && nr == 2 * w)
        {
            StoreRows<TV, TOp>(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
            return;
        }
        float* tile = stackalloc float[Mr * 2 * 16];
        StoreRows<TV, TOp>(tile, 2 * w, false, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
        StoreEdge(tile, 2 * w, c, ldc, mr, nr, accumulate);
    }

    // Two 6-row A panels against one 32-wide B panel: a 12 × 32 tile of C in 24 zmm accumulators, each
    // value summed p = 0, 1, ... by one FMA per step from zero, as in the 6-row kernel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel12x32(int kc, float* a, float* a1, float* b, float* c, int ldc, bool accumulate)
    {
        var c00 = Vector512<float>.Zero; var c01 = c00; var c10 = c00; var c11 = c00; var c20 = c00; var c21 = c00;
        var c30 = c00; var c31 = c00; var c40 = c00; var c41 = c00; var c50 = c00; var c51 = c00;
        var d00 = c00; var d01 = c00; var d10 = c00; var d11 = c00; var d20 = c00; var d21 = c00;
        var d30 = c00; var d31 = c00; var d40 = c00; var d41 = c00; var d50 = c00; var d51 = c00;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a1[0]); d00 = Avx512F.FusedMultiplyAdd(x, b0, d00); d01 = Avx512F.FusedMultiplyAdd(x, b1, d01);
            x = Vector512.Create(a1[1]); d10 = Avx512F.FusedMultiplyAdd(x, b0, d10); d11 = Avx512F.FusedMultiplyAdd(x, b1, d11);
            x = Vector512.Create(a1[2]); d20 = Avx512F.FusedMultiplyAdd(x, b0, d20); d21 = Avx512F.FusedMultiplyAdd(x, b1, d21);
            x = Vector512.Create(a1[3]); d30 = Avx512F.FusedMultiplyAdd(x, b0, d30); d31 = Avx512F.FusedMultiplyAdd(x, b1, d31);
            x = Vector512.Create(a1[4]); d40 = Avx512F.FusedMultiplyAdd(x, b0, d40); d41 = Avx512F.FusedMultiplyAdd(x, b1, d41);
            x = Vector512.Create(a1[5]); d50 = Avx512F.FusedMultiplyAdd(x, b0, d50); d51 = Avx512F.FusedMultiplyAdd(x, b1, d51);
            a += Mr;
            a1 += Mr;
            b += Nr512;
        }
        StoreRows<Vector512<float>, Simd512>(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
        StoreRows<Vector512<float>, Simd512>(c + 6L * ldc, ldc, accumulate, d00, d01, d10, d11, d20, d21, d30, d31, d40, d41, d50, d51);
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

    /// <summary>The scalar reference kernel: the same packed layout and summation order, scalar FMAs.</summary>
    private static void MicroKernelScalar(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, bool accumulate)
    {
        float* tile = stackalloc float[Mr * Nr];
        new Span<float>(tile, Mr * Nr).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < Mr; r++)
            {
                float ar = a[r];
                float* t = tile + r * Nr;
                for (int j = 0; j < Nr; j++) t[j] = MathF.FusedMultiplyAdd(ar, b[j], t[j]);
            }
            a += Mr;
            b += Nr;
        }
        StoreEdge(tile, Nr, c, ldc, mr, nr, accumulate);
    }
}
