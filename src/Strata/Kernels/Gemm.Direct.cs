using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// The unpacked product for a few rows: items are 64-column strips of C, each row's strip held in
    /// eight accumulators (four on AVX-512) while B's rows stream past; the portable path goes four columns at a time. Same K blocks, same FMA order as the packed kernel.
    /// </summary>
    private sealed class DirectTask : ParallelTask
    {
        private float* _a, _b, _c;
        private InstructionSet _isa;
        private int _lda, _ldb, _ldc, _m, _n, _k;
        private bool _transA, _accumulate;

        public void Set(InstructionSet isa, float* a, int lda, bool transA, float* b, int ldb, float* c, int ldc, int m, int n, int k, bool accumulate)
        {
            _isa = isa;
            _a = a; _b = b; _c = c;
            (_lda, _transA, _ldb, _ldc) = (lda, transA, ldb, ldc);
            (_m, _n, _k, _accumulate) = (m, n, k, accumulate);
        }

        public void Clear() => _a = _b = _c = null;

        public override void Execute(int strip)
        {
            int j0 = strip * DirectColumns;
            int width = Math.Min(DirectColumns, _n - j0);
            long aStride = _transA ? _lda : 1;
            for (int i = 0; i < _m; i++)
            {
                float* a = _a + (_transA ? i : (long)i * _lda);
                float* c = _c + (long)i * _ldc + j0;
                int depth = KBlockDepth(_k);
                for (int p0 = 0; p0 < _k; p0 += depth)
                {
                    int kc = Math.Min(depth, _k - p0);
                    bool accumulate = _accumulate || p0 > 0;
                    float* ap = a + p0 * aStride;
                    float* bp = _b + (long)p0 * _ldb + j0;
                    if (_isa == InstructionSet.Portable)
                    {
                        StripPortable(kc, ap, aStride, bp, _ldb, c, width, accumulate);
                    }
                    else if (width == DirectColumns)
                    {
                        if (_isa == InstructionSet.Avx512) Strip64Avx512(kc, ap, aStride, bp, _ldb, c, accumulate);
                        else Strip64(kc, ap, aStride, bp, _ldb, c, accumulate);
                    }
                    else
                    {
                        StripNarrow(kc, ap, aStride, bp, _ldb, c, width, accumulate);
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Strip64(int kc, float* a, long aStride, float* b, int ldb, float* c, bool accumulate)
        {
            Vector256<float> c0 = Vector256<float>.Zero, c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            for (int p = 0; p < kc; p++)
            {
                var ap = Vector256.Create(*a);
                c0 = Fma.MultiplyAdd(ap, Avx.LoadVector256(b), c0);
                c1 = Fma.MultiplyAdd(ap, Avx.LoadVector256(b + 8), c1);
                c2 = Fma.MultiplyAdd(ap, Avx.LoadVector256(b + 16), c2);
                c3 = Fma.MultiplyAdd(ap, Avx.LoadVector256(b + 24), c3);
                c4 = Fma.MultiplyAdd(ap, Avx.LoadVector256(b + 32), c4);
                c5 = Fma.MultiplyAdd(ap, Avx.LoadVector256(b + 40), c5);
                c6 = Fma.MultiplyAdd(ap, Avx.LoadVector256(b + 48), c6);
                c7 = Fma.MultiplyAdd(ap, Avx.LoadVector256(b + 56), c7);
                a += aStride;
                b += ldb;
            }
            Store(c, c0, c1, accumulate);
            Store(c + 16, c2, c3, accumulate);
            Store(c + 32, c4, c5, accumulate);
            Store(c + 48, c6, c7, accumulate);
        }

        private static void StripNarrow(int kc, float* a, long aStride, float* b, int ldb, float* c, int width, bool accumulate)
        {
            int j = 0;
            for (; j + 8 <= width; j += 8)
            {
                var acc = Vector256<float>.Zero;
                float* ap = a, bp = b + j;
                for (int p = 0; p < kc; p++, ap += aStride, bp += ldb)
                    acc = Fma.MultiplyAdd(Vector256.Create(*ap), Avx.LoadVector256(bp), acc);
                if (accumulate) acc = Avx.Add(acc, Avx.LoadVector256(c + j));
                Avx.Store(c + j, acc);
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
    }
}
