using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Strata.Kernels;

// Packing the operands into the micro-kernel's panels: A in panels of Mr rows, B in panels of the path's width,
// each p-major, so the inner loop reads contiguous memory.
internal static unsafe partial class Gemm
{
    private sealed partial class GemmTask
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Pack(int item)
        {
            if (_blockedItems > 0)
            {
                PackBlockedA(_blockedK, item);
                return;
            }
            int aItems = _packA ? _mPanels * _kBlocks : 0;
            if (item < aItems)
            {
                int kb = item / _mPanels, panel = item % _mPanels;
                int p0 = kb * _kc, kc = Math.Min(_kc, _k - p0);
                PackAPanel(APanel(kb, panel, kc), panel * Mr, p0, kc);
            }
            else
            {
                item -= aItems;
                int kb = item / _nPanels, panel = item % _nPanels;
                int p0 = kb * _kc, kc = Math.Min(_kc, _k - p0);
                PackBPanel(BPanel(kb, panel, kc), panel * _nr, p0, kc);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PackAPanel(float* dst, int i0, int p0, int kc)
        {
            int rows = Math.Min(Mr, _m - i0);
            if (!_transA && rows == Mr && _isa >= InstructionSet.Avx2)
            {
                // Eight columns of the six rows at a time, transposed in registers; each 8-wide store
                // spills two lanes that the next one overwrites, so the last group goes lane by lane.
                float* src = _a + (long)i0 * _lda + p0;
                int p = 0;
                for (; p + 8 < kc; p += 8)
                    TransposeSixRows(src + p, _lda, dst + p * Mr);
                for (; p < kc; p++)
                    for (int r = 0; r < Mr; r++) dst[p * Mr + r] = src[(long)r * _lda + p];
                return;
            }
            if (!_transA)
            {
                for (int r = 0; r < Mr; r++)
                {
                    if (r < rows)
                    {
                        float* src = _a + (long)(i0 + r) * _lda + p0;
                        for (int p = 0; p < kc; p++) dst[p * Mr + r] = src[p];
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++) dst[p * Mr + r] = 0f;
                    }
                }
            }
            else if (rows == Mr && i0 + 8 <= _m && _isa >= InstructionSet.Avx2)
            {
                // Aᵀ's six rows are six consecutive values of each stored row: one 8-wide copy per step
                // (a convolution's kernel gradient packs its patches this way), the two extra lanes
                // overwritten by the next step; the last step goes value by value.
                float* src = _a + (long)p0 * _lda + i0;
                int p = 0;
                for (; p + 1 < kc; p++)
                    Avx.Store(dst + p * Mr, Avx.LoadVector256(src + (long)p * _lda));
                for (int r = 0; r < Mr; r++) dst[p * Mr + r] = src[(long)p * _lda + r];
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = _a + (long)(p0 + p) * _lda + i0;
                    float* d = dst + p * Mr;
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < Mr; r++) d[r] = 0f;
                }
            }
        }

        private void PackBPanel(float* dst, int j0, int p0, int kc)
        {
            int cols = Math.Min(_nr, _n - j0);
            if (!_transB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = _b + (long)(p0 + p) * _ldb + j0;
                    float* d = dst + p * _nr;
                    if (cols == _nr)
                    {
                        Unsafe.CopyBlockUnaligned(d, src, (uint)(_nr * sizeof(float)));
                    }
                    else
                    {
                        int c = 0;
                        for (; c < cols; c++) d[c] = src[c];
                        for (; c < _nr; c++) d[c] = 0f;
                    }
                }
            }
            else if (cols == _nr && _isa >= InstructionSet.Avx2)
            {
                float* src = _b + (long)j0 * _ldb + p0;
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    for (int q = 0; q < _nr; q += 8)
                        Transpose8x8(src + (long)q * _ldb + p, _ldb, dst + p * _nr + q, _nr);
                }
                for (; p < kc; p++)
                    for (int c = 0; c < _nr; c++) dst[p * _nr + c] = src[(long)c * _ldb + p];
            }
            else
            {
                for (int c = 0; c < _nr; c++)
                {
                    if (c < cols)
                    {
                        float* src = _b + (long)(j0 + c) * _ldb + p0;
                        for (int p = 0; p < kc; p++) dst[p * _nr + c] = src[p];
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++) dst[p * _nr + c] = 0f;
                    }
                }
            }
        }
    }
}
