using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Kernels;

// The portable kernels: Vector128 with fused multiply-add, which the JIT maps to NEON on ARM64 and
// to SSE/AVX on x86. Same packed layout and summation order as the others, so the same bits.
internal static unsafe partial class Gemm
{
    // The 6×16 tile in two 6×8 halves of twelve accumulators each: a 16-register machine keeps a half
    // in registers, and the halves' sums do not meet, so each value's order is unchanged.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernelPortable(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, bool accumulate)
    {
        float* tile = stackalloc float[Mr * Nr];
        PortableHalf(kc, a, b, tile);
        PortableHalf(kc, a, b + 8, tile + 8);
        StoreEdge(tile, Nr, c, ldc, mr, nr, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PortableHalf(int kc, float* a, float* b, float* tile)
    {
        Vector128<float> c00 = Vector128<float>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        Vector128<float> c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c00 = Vector128.FusedMultiplyAdd(a0, b0, c00); c01 = Vector128.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector128.Create(a[1]);
            c10 = Vector128.FusedMultiplyAdd(a1, b0, c10); c11 = Vector128.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector128.Create(a[2]);
            c20 = Vector128.FusedMultiplyAdd(a2, b0, c20); c21 = Vector128.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector128.Create(a[3]);
            c30 = Vector128.FusedMultiplyAdd(a3, b0, c30); c31 = Vector128.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector128.Create(a[4]);
            c40 = Vector128.FusedMultiplyAdd(a4, b0, c40); c41 = Vector128.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector128.Create(a[5]);
            c50 = Vector128.FusedMultiplyAdd(a5, b0, c50); c51 = Vector128.FusedMultiplyAdd(a5, b1, c51);
            a += Mr;
            b += Nr;
        }
        c00.Store(tile); c01.Store(tile + 4);
        c10.Store(tile + 16); c11.Store(tile + 20);
        c20.Store(tile + 32); c21.Store(tile + 36);
        c30.Store(tile + 48); c31.Store(tile + 52);
        c40.Store(tile + 64); c41.Store(tile + 68);
        c50.Store(tile + 80); c51.Store(tile + 84);
    }

    // The direct product's strip, four columns at a time, then the last few one by one.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StripPortable(int kc, float* a, long aStride, float* b, int ldb, float* c, int width, bool accumulate)
    {
        int j = 0;
        for (; j + 16 <= width; j += 16)
        {
            Vector128<float> c0 = Vector128<float>.Zero, c1 = c0, c2 = c0, c3 = c0;
            float* ap = a, bp = b + j;
            for (int p = 0; p < kc; p++, ap += aStride, bp += ldb)
            {
                var av = Vector128.Create(*ap);
                c0 = Vector128.FusedMultiplyAdd(av, Vector128.Load(bp), c0);
                c1 = Vector128.FusedMultiplyAdd(av, Vector128.Load(bp + 4), c1);
                c2 = Vector128.FusedMultiplyAdd(av, Vector128.Load(bp + 8), c2);
                c3 = Vector128.FusedMultiplyAdd(av, Vector128.Load(bp + 12), c3);
            }
            StorePortable(c + j, c0, accumulate);
            StorePortable(c + j + 4, c1, accumulate);
            StorePortable(c + j + 8, c2, accumulate);
            StorePortable(c + j + 12, c3, accumulate);
        }
        for (; j + 4 <= width; j += 4)
        {
            var acc = Vector128<float>.Zero;
            float* ap = a, bp = b + j;
            for (int p = 0; p < kc; p++, ap += aStride, bp += ldb)
                acc = Vector128.FusedMultiplyAdd(Vector128.Create(*ap), Vector128.Load(bp), acc);
            StorePortable(c + j, acc, accumulate);
        }
        for (; j < width; j++)
        {
            float acc = 0f;
            float* ap = a, bp = b + j;
            for (int p = 0; p < kc; p++, ap += aStride, bp += ldb)
                acc = MathF.FusedMultiplyAdd(*ap, *bp, acc);
            c[j] = accumulate ? c[j] + acc : acc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePortable(float* c, Vector128<float> value, bool accumulate)
    {
        if (accumulate) value += Vector128.Load(c);
        value.Store(c);
    }
}
