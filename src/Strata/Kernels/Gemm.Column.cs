using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

using Strata.Tensors;

namespace Strata.Kernels;

// Products with one column: formed row by row (or a vector of Aᵀ's rows at a time) in the packed product's order.
internal static unsafe partial class Gemm
{
    /// <summary>
    /// c[i] = f(Σ_p a[i, p]·w[p] + bias) for the <paramref name="m"/> rows of A (row length <paramref name="lda"/>):
    /// a product with one column, with the bits the packed product and its epilogue give (each K block
    /// summed p = 0, 1, ... by FMAs from zero, the blocks added in turn) without packing A or filling a
    /// whole panel of B. Eight rows' sums run side by side; the path does not change the bits.
    /// </summary>
    public static void MultiplyColumn(ReadOnlySpan<float> a, int lda, int m, int k, ReadOnlySpan<float> w, float bias, Span<float> c, ActivationFunction f)
    {
        if (f is ActivationFunction.Softmax or ActivationFunction.LogSoftmax)
            throw new ArgumentException("The product's epilogue takes element-wise activations only.", nameof(f));
        if (m == 0) return;
        if (a.Length < (long)(m - 1) * lda + k || w.Length < k || c.Length < m)
            throw new ArgumentException("The one-column product's operands are shorter than the shapes need.");
        fixed (float* pa = a, pw = w, pc = c)
            RunColumn(InstructionSets.Current, pa, lda, false, m, k, pw, pc, 1, accumulate: false, epilogue: true, bias, f);
    }

    private static void RunColumn(InstructionSet isa, float* a, int lda, bool transA, int m, int k, float* w, float* c, int ldc,
        bool accumulate, bool epilogue, float bias, ActivationFunction f)
    {
        var task = _columnTask ??= new ColumnTask();
        task.A = a; task.W = w; task.C = c;
        (task.Isa, task.Lda, task.TransA, task.Ldc, task.M, task.K, task.Accumulate, task.Epilogue, task.Bias, task.Function) =
            (isa, lda, transA, ldc, m, k, accumulate, epilogue, bias, f);
        int items = (m + ColumnRows - 1) / ColumnRows;
        if ((long)m * k < DirectInlineWork)
            for (int i = 0; i < items; i++) task.Execute(i);
        else
            WorkerPool.Run(task, items);
        task.A = task.W = task.C = null;
    }

    private const int ColumnRows = 64;
    [ThreadStatic] private static ColumnTask? _columnTask;

    private sealed class ColumnTask : ParallelTask
    {
        public float* A, W, C;
        public InstructionSet Isa;
        public int Lda, Ldc, M, K;
        public bool TransA, Accumulate, Epilogue;
        public float Bias;
        public ActivationFunction Function;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int item)
        {
            int i0 = item * ColumnRows, i1 = Math.Min(M, i0 + ColumnRows), depth = KBlockDepth(K);
            if (TransA)
            {
                switch (Isa)
                {
                    case InstructionSet.Avx512: TransposedRows<Vector512<float>, Simd512>(i0, i1, depth); break;
                    case InstructionSet.Avx2: TransposedRows<Vector256<float>, Simd256>(i0, i1, depth); break;
                    case InstructionSet.Portable: TransposedRows<Vector128<float>, Simd128>(i0, i1, depth); break;
                    default: TransposedRows<float, Simd1>(i0, i1, depth); break;
                }
                return;
            }
            int i = i0;
            for (; i + 8 <= i1; i += 8)
            {
                float* r0 = A + (long)i * Lda, r1 = r0 + Lda, r2 = r1 + Lda, r3 = r2 + Lda;
                float* r4 = r3 + Lda, r5 = r4 + Lda, r6 = r5 + Lda, r7 = r6 + Lda;
                float c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
                if (Accumulate)
                    (c0, c1, c2, c3, c4, c5, c6, c7) = (C[(long)i * Ldc], C[(long)(i + 1) * Ldc], C[(long)(i + 2) * Ldc], C[(long)(i + 3) * Ldc],
                        C[(long)(i + 4) * Ldc], C[(long)(i + 5) * Ldc], C[(long)(i + 6) * Ldc], C[(long)(i + 7) * Ldc]);
                for (int p0 = 0; p0 < K; p0 += depth)
                {
                    int p1 = Math.Min(K, p0 + depth);
                    float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
                    for (int p = p0; p < p1; p++)
                    {
                        float wp = W[p];
                        s0 = MathF.FusedMultiplyAdd(r0[p], wp, s0); s1 = MathF.FusedMultiplyAdd(r1[p], wp, s1);
                        s2 = MathF.FusedMultiplyAdd(r2[p], wp, s2); s3 = MathF.FusedMultiplyAdd(r3[p], wp, s3);
                        s4 = MathF.FusedMultiplyAdd(r4[p], wp, s4); s5 = MathF.FusedMultiplyAdd(r5[p], wp, s5);
                        s6 = MathF.FusedMultiplyAdd(r6[p], wp, s6); s7 = MathF.FusedMultiplyAdd(r7[p], wp, s7);
                    }
                    // The first block is stored (or added to C), each later one added to what C holds, as in the packed product.
                    if (p0 == 0 && !Accumulate) (c0, c1, c2, c3, c4, c5, c6, c7) = (s0, s1, s2, s3, s4, s5, s6, s7);
                    else { c0 = s0 + c0; c1 = s1 + c1; c2 = s2 + c2; c3 = s3 + c3; c4 = s4 + c4; c5 = s5 + c5; c6 = s6 + c6; c7 = s7 + c7; }
                }
                (C[(long)i * Ldc], C[(long)(i + 1) * Ldc], C[(long)(i + 2) * Ldc], C[(long)(i + 3) * Ldc]) = (c0, c1, c2, c3);
                (C[(long)(i + 4) * Ldc], C[(long)(i + 5) * Ldc], C[(long)(i + 6) * Ldc], C[(long)(i + 7) * Ldc]) = (c4, c5, c6, c7);
            }
            for (; i < i1; i++)
            {
                float* r = A + (long)i * Lda;
                float c = Accumulate ? C[(long)i * Ldc] : 0;
                for (int p0 = 0; p0 < K; p0 += depth)
                {
                    int p1 = Math.Min(K, p0 + depth);
                    float s = 0;
                    for (int p = p0; p < p1; p++) s = MathF.FusedMultiplyAdd(r[p], W[p], s);
                    c = p0 == 0 && !Accumulate ? s : s + c;
                }
                C[(long)i * Ldc] = c;
            }
            if (!Epilogue) return;
            var block = new Span<float>(C + i0, i1 - i0);
            for (int r = 0; r < block.Length; r++) block[r] += Bias;
            ActivationKernels.Forward(Function, block, block, block.Length);
        }

        // Aᵀ's rows i are A's columns, side by side in each stored row p: a vector of rows takes one FMA per p, each lane
        // its own value's chain, so the bits are the packed product's. The rows a vector does not fill go one by one.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TransposedRows<TV, TOp>(int i0, int i1, int depth) where TV : struct where TOp : ISimd<TV>
        {
            int i = i0;
            for (; i + TOp.Width <= i1; i += TOp.Width) TransposedRows<TV, TOp>(i, depth);
            for (; i < i1; i++) TransposedRows<float, Simd1>(i, depth);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void TransposedRows<TV, TOp>(int i, int depth) where TV : struct where TOp : ISimd<TV>
        {
            var c = Accumulate ? TOp.Load(C + i) : TOp.Zero;
            for (int p0 = 0; p0 < K; p0 += depth)
            {
                int p1 = Math.Min(K, p0 + depth);
                var s = TOp.Zero;
                for (int p = p0; p < p1; p++) s = TOp.FusedMultiplyAdd(TOp.Load(A + (long)p * Lda + i), TOp.Broadcast(W[p]), s);
                c = p0 == 0 && !Accumulate ? s : TOp.Add(s, c);
            }
            TOp.Store(C + i, c);
        }
    }
}
