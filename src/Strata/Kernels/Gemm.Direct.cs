using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// The unpacked product for a few rows: items are 64-column strips of C, each row's strip held in
    /// four vector accumulators at a time while B's rows stream past. Same K blocks, same FMA order as the packed kernel.
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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                    switch (_isa)
                    {
                        case InstructionSet.Avx512: Strip<Vector512<float>, Simd512>(kc, ap, aStride, bp, _ldb, c, width, accumulate); break;
                        case InstructionSet.Avx2: Strip<Vector256<float>, Simd256>(kc, ap, aStride, bp, _ldb, c, width, accumulate); break;
                        default: Strip<Vector128<float>, Simd128>(kc, ap, aStride, bp, _ldb, c, width, accumulate); break;
                    }
                }
            }
        }

        // Four vectors of columns at a time while B's rows stream past, then one vector, then the last
        // few columns one by one; every value summed p = 0, 1, ... by FMAs from zero, as in the packed kernel.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Strip<TV, TOp>(int kc, float* a, long aStride, float* b, int ldb, float* c, int width, bool accumulate)
            where TV : struct where TOp : ISimd<TV>
        {
            int w = TOp.Width, j = 0;
            for (; j + 4 * w <= width; j += 4 * w)
            {
                TV c0 = TOp.Zero, c1 = c0, c2 = c0, c3 = c0;
                float* ap = a, bp = b + j;
                for (int p = 0; p < kc; p++, ap += aStride, bp += ldb)
                {
                    var av = TOp.Broadcast(*ap);
                    c0 = TOp.FusedMultiplyAdd(av, TOp.Load(bp), c0);
                    c1 = TOp.FusedMultiplyAdd(av, TOp.Load(bp + w), c1);
                    c2 = TOp.FusedMultiplyAdd(av, TOp.Load(bp + 2 * w), c2);
                    c3 = TOp.FusedMultiplyAdd(av, TOp.Load(bp + 3 * w), c3);
                }
                Store<TV, TOp>(c + j, c0, c1, accumulate);
                Store<TV, TOp>(c + j + 2 * w, c2, c3, accumulate);
            }
            for (; j + w <= width; j += w)
            {
                var acc = TOp.Zero;
                float* ap = a, bp = b + j;
                for (int p = 0; p < kc; p++, ap += aStride, bp += ldb)
                    acc = TOp.FusedMultiplyAdd(TOp.Broadcast(*ap), TOp.Load(bp), acc);
                if (accumulate) acc = TOp.Add(acc, TOp.Load(c + j));
                TOp.Store(c + j, acc);
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
