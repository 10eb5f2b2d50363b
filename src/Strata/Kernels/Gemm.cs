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

        /// <summary>
        /// The panel of columns [panel·width, (panel + 1)·width) in K block <paramref name="kb"/>: its rows, the path's width
        /// apart, one per step of the block (the layout <c>GemmTask</c> packs).
        /// </summary>
        internal float* Panel(int kb, int panel)
        {
            int width = PanelWidth(Isa), kc = KBlockDepth(K), depth = Math.Min(kc, K - kb * kc);
            int panels = (N + width - 1) / width;
            return _data + (long)kb * kc * panels * width + (long)panel * width * depth;
        }

        ~PackedB()
        {
            if (_data != null) NativeMemory.AlignedFree(_data);
        }
    }
}
