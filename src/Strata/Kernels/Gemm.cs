using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using Strata.Tensors;

namespace Strata.Kernels;

/// <summary>
/// Single-precision matrix product C = op(A)·op(B) (or C += ...), row-major.
/// Both operands are packed into panels so the micro-kernel reads contiguous memory: A in panels
/// of <see cref="Mr"/> rows, B in panels of <see cref="Nr"/> columns, both cut into blocks of at
/// most <see cref="MaxKc"/> along the inner dimension (a B panel that deep still fits in L1). The
/// AVX2/FMA micro-kernel keeps a 6×16 tile of C in 12 ymm registers, the AVX-512 one a 12×32 tile
/// (two A panels) in 24 zmm registers (B panels <see cref="Nr512"/> wide), the portable one a 6×16 tile in
/// <c>Vector128</c> halves; the path is <see cref="InstructionSets.Current"/> at the call. Packing is shared by all
/// threads; then C is cut into tiles, each tile running through the K blocks while its part of C
/// stays in L2: one A panel (Mr rows) stays in L1 while the tile's B panels stream past from L2.
/// Each output value is always accumulated in the same order (K blocks in turn, each from zero),
/// so the result is identical for any thread count and any tiling; and since every path, the scalar
/// reference included, forms that sum with fused multiply-adds, every path gives the same bits.
/// A product with at most <see cref="DirectRows"/> rows and B not transposed skips packing: its
/// rows are formed straight from B's rows in the same order, so batch-1 inference reads each weight
/// once and gives bit for bit the rows a larger batch would. A product with one column (B a vector) is formed row by
/// row, or a vector of Aᵀ's rows at a time, in that same order without packing A.
/// </summary>
internal static unsafe partial class Gemm
{
    internal const int Mr = 6;
    internal const int Nr = 16;
    internal const int Nr512 = 32;
    internal const int MaxKc = 320;
    internal const int DeepMaxKc = 512;
    private const int DeepK = 1024;
    internal const int DirectRows = 3;
    private const int RowBlock = 96;
    private const int ColumnBlock = 256;
    private const int EpilogueRowBlock = 48;
    private const int BlockedColumns = 256;
    private const long BlockedWork = 1L << 27;
    private const long PrefetchedC = 1L << 21;
    private const int EpilogueColumnBlock = 512;
    private const int DirectColumns = 64;
    private const long DirectInlineWork = 1 << 17;

    /// <summary>The width of the B panels the micro-kernel of <paramref name="isa"/> reads.</summary>
    internal static int PanelWidth(InstructionSet isa) => isa == InstructionSet.Avx512 ? Nr512 : Nr;

    [ThreadStatic] private static GemmTask? _task;
    [ThreadStatic] private static DirectTask? _directTask;

    /// <summary>
    /// C[m×n] = op(A)[m×k] · op(B)[k×n], or C += that when <paramref name="accumulate"/>.
    /// op(A) is A (stored m×k, row length lda) or, with <paramref name="transA"/>, Aᵀ (A stored k×m).
    /// </summary>
    public static void Multiply(
        ReadOnlySpan<float> a, int lda, bool transA,
        ReadOnlySpan<float> b, int ldb, bool transB,
        Span<float> c, int ldc,
        int m, int n, int k, bool accumulate)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }

        var isa = InstructionSets.Current;
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (m <= DirectRows && !transB && isa != InstructionSet.Scalar)
            {
                var direct = _directTask ??= new DirectTask();
                direct.Set(isa, pa, lda, transA, pb, ldb, pc, ldc, m, n, k, accumulate);
                int strips = (n + DirectColumns - 1) / DirectColumns;
                // Waking another thread costs microseconds: a small product (a first layer of a few features) runs here alone.
                if ((long)m * n * k < DirectInlineWork)
                    for (int i = 0; i < strips; i++) direct.Execute(i);
                else
                    WorkerPool.Run(direct, strips);
                direct.Clear();
                return;
            }

            // One column with B's values side by side (a Dense layer with one unit, and its kernel gradient): packing A
            // would cost more than the product.
            if (n == 1 && (transB || ldb == 1) && (!transA || ldc == 1))
            {
                RunColumn(isa, pa, lda, transA, m, k, pb, pc, ldc, accumulate, epilogue: false, 0f, ActivationFunction.Linear);
                return;
            }

            var task = _task ??= new GemmTask();
            task.Set(isa, pa, lda, transA, pc, ldc, m, n, k, accumulate);
            task.SetB(pb, ldb, transB, null);
            task.Run();
        }
    }

    /// <summary>
    /// C = op(A) · B (or C += ...) with B packed beforehand by <see cref="PackedB.Pack"/>, on the path
    /// B was packed for (its panels are laid out for that micro-kernel).
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, int lda, bool transA, PackedB b, Span<float> c, int ldc, int m, bool accumulate)
    {
        if (m == 0 || b.N == 0) return;
        if (b.K == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, b.N).Clear();
            return;
        }
        fixed (float* pa = a, pc = c)
        {
            var task = _task ??= new GemmTask();
            task.Set(b.Isa, pa, lda, transA, pc, ldc, m, b.N, b.K, accumulate);
            task.SetB(null, 0, false, b);
            task.Run();
        }
    }

    /// <summary>The floats an m×k A takes in the micro-kernel's panels (<see cref="PackRows"/>).</summary>
    internal static int PackedALength(int m, int k) => (m + Mr - 1) / Mr * Mr * k;

    /// <summary>
    /// Writes values [p0, p0 + length) of A's rows i0 .. i0 + Mr - 1 into the panels of an m×k A, as the
    /// product packs A itself: row r is read from <paramref name="rows"/>[r] (length values there), so
    /// the rows can be gathered from anywhere (a convolution's patches, straight from its input).
    /// Once every value of every panel is written, <see cref="Multiply(float*, PackedB, Span{float}, int, int, bool)"/>
    /// gives the bits the product packing A itself gives.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackRows(float* panels, int m, int k, int i0, ReadOnlySpan<nint> rows, int p0, int length, InstructionSet isa)
    {
        if (i0 % Mr != 0 || rows.Length < Mr || p0 < 0 || p0 + length > k)
            throw new ArgumentException("PackRows takes whole panels of Mr rows and values inside the k columns.");
        int kc = KBlockDepth(k), mPanels = (m + Mr - 1) / Mr, panel = i0 / Mr;
        float* r0 = (float*)rows[0], r1 = (float*)rows[1], r2 = (float*)rows[2], r3 = (float*)rows[3], r4 = (float*)rows[4], r5 = (float*)rows[5];
        int p = p0, end = p0 + length;
        while (p < end)
        {
            int start = p / kc * kc, depth = Math.Min(kc, k - start), stop = Math.Min(end, start + depth);
            float* dst = panels + (long)start * mPanels * Mr + (long)panel * Mr * depth - (long)start * Mr;
            // Eight columns at a time while the two floats spilled past them land on columns this call writes next.
            if (isa >= InstructionSet.Avx2)
                for (; p + 8 < stop; p += 8)
                {
                    int o = p - p0;
                    TransposeSixRows(r0 + o, r1 + o, r2 + o, r3 + o, r4 + o, r5 + o, dst + (long)p * Mr);
                }
            for (; p < stop; p++)
            {
                int o = p - p0;
                float* d = dst + (long)p * Mr;
                d[0] = r0[o]; d[1] = r1[o]; d[2] = r2[o]; d[3] = r3[o]; d[4] = r4[o]; d[5] = r5[o];
            }
        }
    }

    /// <summary>C = A · B (or C += ...) with A's m rows packed by <see cref="PackRows"/> and B by <see cref="PackedB.Pack"/>, on B's path.</summary>
    internal static void Multiply(float* panels, PackedB b, Span<float> c, int ldc, int m, bool accumulate)
    {
        if (m == 0 || b.N == 0) return;
        if (b.K == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, b.N).Clear();
            return;
        }
        fixed (float* pc = c)
        {
            var task = _task ??= new GemmTask();
            task.Set(b.Isa, null, 0, false, pc, ldc, m, b.N, b.K, accumulate);
            task.SetPackedA(panels);
            task.SetB(null, 0, false, b);
            task.Run();
        }
    }

    private static void CheckEpilogue(PackedB b, ReadOnlySpan<float> bias, ActivationFunction f)
    {
        if (f is ActivationFunction.Softmax or ActivationFunction.LogSoftmax)
            throw new ArgumentException("The product's epilogue takes element-wise activations only.", nameof(f));
        if (bias.Length < b.N)
            throw new ArgumentException($"The bias holds {bias.Length} values; the product has {b.N} columns.", nameof(bias));
    }

    /// <summary>
    /// C = f(A · B + bias) with A packed by <see cref="PackRows"/> and B by <see cref="PackedB.Pack"/>: each tile
    /// gets its bias and element-wise activation after its last K block, with the bits a separate pass gives.
    /// </summary>
    internal static void Multiply(float* panels, PackedB b, Span<float> c, int ldc, int m, ReadOnlySpan<float> bias, ActivationFunction f)
    {
        CheckEpilogue(b, bias, f);
        if (m == 0 || b.N == 0) return;
        if (b.K == 0)
            throw new ArgumentException("The fused product needs a non-empty inner dimension.", nameof(b));
        fixed (float* pc = c, pbias = bias)
        {
            var task = _task ??= new GemmTask();
            task.Set(b.Isa, null, 0, false, pc, ldc, m, b.N, b.K, false);
            task.SetPackedA(panels);
            task.SetB(null, 0, false, b);
            task.SetEpilogue(pbias, f);
            task.Run();
        }
    }

    /// <summary>
    /// C = f(op(A) · B + bias) with B packed beforehand, f element-wise: each tile of C gets its bias and
    /// activation right after its last K block, while it is still in cache, with the bits a separate pass gives.
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, int lda, bool transA, PackedB b, Span<float> c, int ldc, int m,
        ReadOnlySpan<float> bias, ActivationFunction f)
    {
        CheckEpilogue(b, bias, f);
        if (m == 0 || b.N == 0) return;
        if (b.K == 0)
        {
            for (int i = 0; i < m; i++)
            {
                var row = c.Slice(i * ldc, b.N);
                row.Clear();
                RowKernels.Add(row, bias[..b.N], row);
                ActivationKernels.Forward(f, row, row, b.N);
            }
            return;
        }
        fixed (float* pa = a, pc = c, pbias = bias)
        {
            var task = _task ??= new GemmTask();
            // Inference's tiles: fewer rows, more columns (four A panels against each B block held in L2),
            // a few percent faster for 1024-wide Dense layers on a Zen 5 core.
            task.Set(b.Isa, pa, lda, transA, pc, ldc, m, b.N, b.K, false, EpilogueRowBlock, EpilogueColumnBlock);
            task.SetB(null, 0, false, b);
            task.SetEpilogue(pbias, f);
            task.Run();
        }
    }

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

    /// <summary>
    /// How deep the K blocks are: as even as possible and at most <see cref="MaxKc"/>, so that, say,
    /// a 3×3×32 convolution (K = 288) takes one block rather than 256 + 32. Beyond <see cref="DeepK"/> the blocks
    /// go to <see cref="DeepMaxKc"/>: a large product is then formed block by block over all of C (see
    /// <c>RunBlocked</c>), and each block is a pass over C that deeper blocks make fewer. A function of k alone, so
    /// every product with the same k, whatever its rows, sums in the same order.
    /// </summary>
    internal static int KBlockDepth(int k)
    {
        int max = k > DeepK ? DeepMaxKc : MaxKc;
        int blocks = (k + max - 1) / max;
        return (k + blocks - 1) / blocks;
    }

    /// <summary>op(B) packed once into the micro-kernel's panels, for a B that several products share (a convolution's kernel).</summary>
    internal sealed class PackedB
    {
        private float* _data;
        private long _length;

        public int K { get; private set; }
        public int N { get; private set; }
        public InstructionSet Isa { get; private set; }
        internal float* Data => _data;

        /// <summary>Packs op(B)[k×n] (B stored k×n, or n×k with <paramref name="transB"/>) for the current path.</summary>
        public void Pack(ReadOnlySpan<float> b, int ldb, bool transB, int k, int n)
        {
            var isa = InstructionSets.Current;
            int width = PanelWidth(isa);
            long needed = (long)((n + width - 1) / width) * width * k;
            if (needed > _length)
            {
                if (_data != null) NativeMemory.AlignedFree(_data);
                _data = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, needed) * sizeof(float), 64);
                _length = needed;
            }
            (K, N, Isa) = (k, n, isa);
            if (k == 0 || n == 0) return;
            fixed (float* pb = b)
            {
                var task = _task ??= new GemmTask();
                task.Set(isa, null, 0, false, null, 0, 0, n, k, false);
                task.SetB(pb, ldb, transB, this);
                task.PackOnly();
            }
        }

        ~PackedB()
        {
            if (_data != null) NativeMemory.AlignedFree(_data);
        }
    }
}
