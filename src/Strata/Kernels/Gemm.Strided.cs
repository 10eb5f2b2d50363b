using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Kernels;

/// <summary>
/// How the micro-kernels read A: in runs of steps, and at step p of run s the Mr values of a panel (A's rows
/// r = 0 .. Mr − 1 at that step) sit side by side at <c>Starts[s] + offset + p·Stride</c>. A packed panel is one run,
/// Mr apart; a convolution's patches take the same form straight from its input (the kernel gradient, whose A is the
/// patches' transpose) or from its input rows transposed once (the forward), so nothing is copied per panel. Each
/// value is summed over the steps in order, one fused multiply-add per step from zero, so A read in place gives the
/// packed product's bits.
/// </summary>
internal readonly unsafe struct StridedPanels(nint* starts, int* lengths, int runs, long stride)
{
    public nint* Starts { get; } = starts;
    public int* Lengths { get; } = lengths;
    public int Runs { get; } = runs;
    public long Stride { get; } = stride;
}

internal static unsafe partial class Gemm
{
    /// <summary>
    /// C[mr×nr] (+)= A·B over the steps of <paramref name="a"/>: A's rows 0..5 at <paramref name="offset"/> from each
    /// run's start, rows 6..11 (mr up to 2·Mr) at <paramref name="offset"/> + <paramref name="secondPanel"/>; B's row
    /// for step p at <paramref name="b"/> + p·<paramref name="bStride"/>, the path's whole panel width readable.
    /// Every path sums each value in step order with one fused multiply-add per step, so all give the same bits. With
    /// <paramref name="bias"/>, each stored value is then the sum plus its column's bias: the bits of adding it in a
    /// later pass, without reading C again.
    /// </summary>
    internal static void MultiplyStrided(InstructionSet isa, in StridedPanels a, long offset, long secondPanel,
        float* b, long bStride, float* c, int ldc, int mr, int nr, bool accumulate, float* bias = null)
    {
        if (isa == InstructionSet.Avx512 && mr == 2 * Mr && nr == Nr512)
        {
            Strided12x32(a, offset, offset + secondPanel, b, bStride, c, ldc, accumulate, bias);
            return;
        }
        for (int half = 0; half < 2 && half * Mr < mr; half++)
        {
            long o = offset + half * secondPanel;
            float* ch = c + (long)half * Mr * ldc;
            int rows = Math.Min(Mr, mr - half * Mr);
            switch (isa)
            {
                case InstructionSet.Avx512: Strided<Vector512<float>, Simd512>(a, o, b, bStride, ch, ldc, rows, nr, accumulate, bias); break;
                case InstructionSet.Avx2: Strided<Vector256<float>, Simd256>(a, o, b, bStride, ch, ldc, rows, nr, accumulate, bias); break;
                case InstructionSet.Portable:
                    // The 16-wide panel in two 8-wide halves: a half's twelve accumulators fit in sixteen
                    // registers, and the halves' sums never meet, so each value's order is unchanged.
                    Strided<Vector128<float>, Simd128>(a, o, b, bStride, ch, ldc, rows, Math.Min(nr, 8), accumulate, bias);
                    if (nr > 8)
                        Strided<Vector128<float>, Simd128>(a, o, b + 8, bStride, ch + 8, ldc, rows, nr - 8, accumulate, bias == null ? null : bias + 8);
                    break;
                default: StridedScalar(a, o, b, bStride, ch, ldc, rows, nr, accumulate, bias); break;
            }
        }
    }

    /// <summary>
    /// C[mr×nr] (+)= A·B as <see cref="MultiplyStrided"/>, A's six rows each at its own offset from the run's start
    /// (<paramref name="rowOffsets"/>), for panels whose rows do not lie side by side.
    /// </summary>
    internal static void MultiplyGathered(InstructionSet isa, in StridedPanels a, long* rowOffsets, float* b, long bStride, float* c, int ldc,
        int mr, int nr, bool accumulate)
    {
        switch (isa)
        {
            case InstructionSet.Avx512: Gathered<Vector512<float>, Simd512>(a, rowOffsets, b, bStride, c, ldc, mr, nr, accumulate); break;
            case InstructionSet.Avx2: Gathered<Vector256<float>, Simd256>(a, rowOffsets, b, bStride, c, ldc, mr, nr, accumulate); break;
            case InstructionSet.Portable:
                Gathered<Vector128<float>, Simd128>(a, rowOffsets, b, bStride, c, ldc, mr, Math.Min(nr, 8), accumulate);
                if (nr > 8) Gathered<Vector128<float>, Simd128>(a, rowOffsets, b + 8, bStride, c + 8, ldc, mr, nr - 8, accumulate);
                break;
            default:
                // The scalar reference reads the rows where they lie one by one.
                for (int r = 0; r < mr; r++) StridedScalar(a, rowOffsets[r], b, bStride, c + (long)r * ldc, ldc, 1, nr, accumulate, null);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Gathered<TV, TOp>(in StridedPanels panels, long* rowOffsets, float* b, long bStride, float* c, int ldc, int mr, int nr,
        bool accumulate) where TV : struct where TOp : ISimd<TV>
    {
        int w = TOp.Width;
        TV c00 = TOp.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        TV c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        long stride = panels.Stride, o1 = rowOffsets[1], o2 = rowOffsets[2], o3 = rowOffsets[3], o4 = rowOffsets[4], o5 = rowOffsets[5];
        for (int s = 0; s < panels.Runs; s++)
        {
            float* a = (float*)panels.Starts[s] + rowOffsets[0];
            float* a1 = (float*)panels.Starts[s] + o1, a2 = (float*)panels.Starts[s] + o2, a3 = (float*)panels.Starts[s] + o3;
            float* a4 = (float*)panels.Starts[s] + o4, a5 = (float*)panels.Starts[s] + o5;
            for (int p = panels.Lengths[s]; p > 0; p--)
            {
                var b0 = TOp.Load(b);
                var b1 = TOp.Load(b + w);
                var x = TOp.Broadcast(*a); c00 = TOp.FusedMultiplyAdd(x, b0, c00); c01 = TOp.FusedMultiplyAdd(x, b1, c01);
                x = TOp.Broadcast(*a1); c10 = TOp.FusedMultiplyAdd(x, b0, c10); c11 = TOp.FusedMultiplyAdd(x, b1, c11);
                x = TOp.Broadcast(*a2); c20 = TOp.FusedMultiplyAdd(x, b0, c20); c21 = TOp.FusedMultiplyAdd(x, b1, c21);
                x = TOp.Broadcast(*a3); c30 = TOp.FusedMultiplyAdd(x, b0, c30); c31 = TOp.FusedMultiplyAdd(x, b1, c31);
                x = TOp.Broadcast(*a4); c40 = TOp.FusedMultiplyAdd(x, b0, c40); c41 = TOp.FusedMultiplyAdd(x, b1, c41);
                x = TOp.Broadcast(*a5); c50 = TOp.FusedMultiplyAdd(x, b0, c50); c51 = TOp.FusedMultiplyAdd(x, b1, c51);
                a += stride; a1 += stride; a2 += stride; a3 += stride; a4 += stride; a5 += stride;
                b += bStride;
            }
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

    // C's rows (+)= the tile's, then + bias: the order of a later pass adding the bias to whole rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows<TV, TOp>(float* c, int ldc, bool accumulate, float* bias, TV c00, TV c01, TV c10, TV c11, TV c20,
        TV c21, TV c30, TV c31, TV c40, TV c41, TV c50, TV c51) where TV : struct where TOp : ISimd<TV>
    {
        if (bias == null)
        {
            StoreRows<TV, TOp>(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
            return;
        }
        TV lo = TOp.Load(bias), hi = TOp.Load(bias + TOp.Width);
        StoreBiased<TV, TOp>(c, c00, c01, accumulate, lo, hi); c += ldc;
        StoreBiased<TV, TOp>(c, c10, c11, accumulate, lo, hi); c += ldc;
        StoreBiased<TV, TOp>(c, c20, c21, accumulate, lo, hi); c += ldc;
        StoreBiased<TV, TOp>(c, c30, c31, accumulate, lo, hi); c += ldc;
        StoreBiased<TV, TOp>(c, c40, c41, accumulate, lo, hi); c += ldc;
        StoreBiased<TV, TOp>(c, c50, c51, accumulate, lo, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBiased<TV, TOp>(float* c, TV lo, TV hi, bool accumulate, TV biasLo, TV biasHi) where TV : struct where TOp : ISimd<TV>
    {
        if (accumulate)
        {
            lo = TOp.Add(lo, TOp.Load(c));
            hi = TOp.Add(hi, TOp.Load(c + TOp.Width));
        }
        TOp.Store(c, TOp.Add(lo, biasLo));
        TOp.Store(c + TOp.Width, TOp.Add(hi, biasHi));
    }

    // A part-filled tile's rows (+)= its values, then + bias.
    private static void StoreEdge(float* tile, int stride, float* c, int ldc, int mr, int nr, bool accumulate, float* bias)
    {
        StoreEdge(tile, stride, c, ldc, mr, nr, accumulate);
        if (bias == null) return;
        for (int r = 0; r < mr; r++)
            for (int j = 0; j < nr; j++) c[(long)r * ldc + j] += bias[j];
    }

    // Two 6-row panels against one 32-wide B panel: a 12 × 32 tile of C in 24 zmm accumulators, each value summed step
    // by step with one FMA from zero, as the 6-row kernel sums it; each B row read feeds twelve rows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strided12x32(in StridedPanels panels, long offset, long offset1, float* b, long bStride, float* c, int ldc, bool accumulate,
        float* bias)
    {
        var c00 = Vector512<float>.Zero; var c01 = c00; var c10 = c00; var c11 = c00; var c20 = c00; var c21 = c00;
        var c30 = c00; var c31 = c00; var c40 = c00; var c41 = c00; var c50 = c00; var c51 = c00;
        var d00 = c00; var d01 = c00; var d10 = c00; var d11 = c00; var d20 = c00; var d21 = c00;
        var d30 = c00; var d31 = c00; var d40 = c00; var d41 = c00; var d50 = c00; var d51 = c00;
        long stride = panels.Stride;
        for (int s = 0; s < panels.Runs; s++)
        {
            float* a = (float*)panels.Starts[s] + offset, a1 = (float*)panels.Starts[s] + offset1;
            for (int p = panels.Lengths[s]; p > 0; p--)
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
                a += stride;
                a1 += stride;
                b += bStride;
            }
        }
        StoreRows<Vector512<float>, Simd512>(c, ldc, accumulate, bias, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
        StoreRows<Vector512<float>, Simd512>(c + 6L * ldc, ldc, accumulate, bias, d00, d01, d10, d11, d20, d21, d30, d31, d40, d41, d50, d51);
    }

    // A 6 × (2 vectors) tile of C in twelve accumulators, each value summed step by step with one FMA from zero, whatever
    // the vector width: every path's bits agree. Its edge tile is not zeroed: a zeroing call made with the
    // accumulators live would have the JIT keep them in memory.
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Strided<TV, TOp>(in StridedPanels panels, long offset, float* b, long bStride, float* c, int ldc, int mr, int nr,
        bool accumulate, float* bias) where TV : struct where TOp : ISimd<TV>
    {
        int w = TOp.Width;
        TV c00 = TOp.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        TV c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        long stride = panels.Stride;
        for (int s = 0; s < panels.Runs; s++)
        {
            float* a = (float*)panels.Starts[s] + offset;
            for (int p = panels.Lengths[s]; p > 0; p--)
            {
                var b0 = TOp.Load(b);
                var b1 = TOp.Load(b + w);
                var a0 = TOp.Broadcast(a[0]); c00 = TOp.FusedMultiplyAdd(a0, b0, c00); c01 = TOp.FusedMultiplyAdd(a0, b1, c01);
                var a1 = TOp.Broadcast(a[1]); c10 = TOp.FusedMultiplyAdd(a1, b0, c10); c11 = TOp.FusedMultiplyAdd(a1, b1, c11);
                var a2 = TOp.Broadcast(a[2]); c20 = TOp.FusedMultiplyAdd(a2, b0, c20); c21 = TOp.FusedMultiplyAdd(a2, b1, c21);
                var a3 = TOp.Broadcast(a[3]); c30 = TOp.FusedMultiplyAdd(a3, b0, c30); c31 = TOp.FusedMultiplyAdd(a3, b1, c31);
                var a4 = TOp.Broadcast(a[4]); c40 = TOp.FusedMultiplyAdd(a4, b0, c40); c41 = TOp.FusedMultiplyAdd(a4, b1, c41);
                var a5 = TOp.Broadcast(a[5]); c50 = TOp.FusedMultiplyAdd(a5, b0, c50); c51 = TOp.FusedMultiplyAdd(a5, b1, c51);
                a += stride;
                b += bStride;
            }
        }
        if (mr == Mr && nr == 2 * w)
        {
            StoreRows<TV, TOp>(c, ldc, accumulate, bias, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
            return;
        }
        float* tile = stackalloc float[Mr * 2 * 16];
        StoreRows<TV, TOp>(tile, 2 * w, false, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
        StoreEdge(tile, 2 * w, c, ldc, mr, nr, accumulate, bias);
    }

    // The scalar reference: the same steps in the same order, scalar FMAs.
    private static void StridedScalar(in StridedPanels panels, long offset, float* b, long bStride, float* c, int ldc, int mr, int nr,
        bool accumulate, float* bias)
    {
        float* tile = stackalloc float[Mr * Nr];
        new Span<float>(tile, Mr * Nr).Clear();
        for (int s = 0; s < panels.Runs; s++)
        {
            float* a = (float*)panels.Starts[s] + offset;
            for (int p = panels.Lengths[s]; p > 0; p--)
            {
                for (int r = 0; r < Mr; r++)
                {
                    float ar = a[r];
                    float* t = tile + r * Nr;
                    for (int j = 0; j < nr; j++) t[j] = MathF.FusedMultiplyAdd(ar, b[j], t[j]);
                }
                a += panels.Stride;
                b += bStride;
            }
        }
        StoreEdge(tile, Nr, c, ldc, mr, nr, accumulate, bias);
    }
}
