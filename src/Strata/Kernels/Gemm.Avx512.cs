using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Kernels;

// The AVX-512 kernels: a 6×32 tile in twelve zmm accumulators, and the direct product's 64-column strip in four.
internal static unsafe partial class Gemm
{
    // Each C value is still summed p = 0, 1, ... with one FMA per step from zero, so the bits are the
    // AVX2 kernel's; only more columns share each broadcast of A.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernelAvx512(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, bool accumulate)
    {
        Vector512<float> c00 = Vector512<float>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        Vector512<float> c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx512F.LoadAlignedVector512(b);
            var b1 = Avx512F.LoadAlignedVector512(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            a += Mr;
            b += Nr512;
        }

        if (mr == Mr && nr == Nr512)
        {
            Store512(c, c00, c01, accumulate); c += ldc;
            Store512(c, c10, c11, accumulate); c += ldc;
            Store512(c, c20, c21, accumulate); c += ldc;
            Store512(c, c30, c31, accumulate); c += ldc;
            Store512(c, c40, c41, accumulate); c += ldc;
            Store512(c, c50, c51, accumulate);
            return;
        }

        float* tile = stackalloc float[Mr * Nr512];
        c00.Store(tile); c01.Store(tile + 16);
        c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80);
        c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144);
        c50.Store(tile + 160); c51.Store(tile + 176);
        StoreEdge(tile, Nr512, c, ldc, mr, nr, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> lo, Vector512<float> hi, bool accumulate)
    {
        if (accumulate)
        {
            lo = Avx512F.Add(lo, Avx512F.LoadVector512(c));
            hi = Avx512F.Add(hi, Avx512F.LoadVector512(c + 16));
        }
        Avx512F.Store(c, lo);
        Avx512F.Store(c + 16, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strip64Avx512(int kc, float* a, long aStride, float* b, int ldb, float* c, bool accumulate)
    {
        Vector512<float> c0 = Vector512<float>.Zero, c1 = c0, c2 = c0, c3 = c0;
        for (int p = 0; p < kc; p++)
        {
            var ap = Vector512.Create(*a);
            c0 = Avx512F.FusedMultiplyAdd(ap, Avx512F.LoadVector512(b), c0);
            c1 = Avx512F.FusedMultiplyAdd(ap, Avx512F.LoadVector512(b + 16), c1);
            c2 = Avx512F.FusedMultiplyAdd(ap, Avx512F.LoadVector512(b + 32), c2);
            c3 = Avx512F.FusedMultiplyAdd(ap, Avx512F.LoadVector512(b + 48), c3);
            a += aStride;
            b += ldb;
        }
        Store512(c, c0, c1, accumulate);
        Store512(c + 32, c2, c3, accumulate);
    }
}
