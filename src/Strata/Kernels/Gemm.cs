using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Kernels;

/// <summary>
/// Single-precision matrix product C = op(A)·op(B) (or C += ...), row-major.
/// Both operands are packed into panels so the micro-kernel reads contiguous memory: A in panels
/// of <see cref="Mr"/> rows, B in panels of <see cref="Nr"/> columns, both cut into blocks of at
/// most <see cref="MaxKc"/> along the inner dimension (a B panel that deep still fits in L1). The
/// AVX2/FMA micro-kernel keeps a 6×16 tile of C in 12 ymm registers. Packing is shared by all
/// threads; then C is cut into tiles, each tile running through the K blocks while its part of C
/// stays in L2, its A block in L2 and one B panel in L1.
/// Each output value is always accumulated in the same order (K blocks in turn, each from zero),
/// so the result is identical for any thread count and any tiling.
/// A product with at most <see cref="DirectRows"/> rows and B not transposed skips packing: its
/// rows are formed straight from B's rows in the same order, so batch-1 inference reads each weight
/// once and gives bit for bit the rows a larger batch would.
/// </summary>
internal static unsafe class Gemm
{
    internal const int Mr = 6;
    internal const int Nr = 16;
    internal const int MaxKc = 320;
    internal const int DirectRows = 3;
    private const int RowBlock = 96;
    private const int ColumnBlock = 256;
    private const int DirectColumns = 64;

    /// <summary>Forces the portable kernel, so tests can check it on machines with AVX2.</summary>
    internal static bool ForceScalar { get; set; }

    private static bool UseAvx => Fma.IsSupported && Avx.IsSupported && !ForceScalar;

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

        fixed (float* pa = a, pb = b, pc = c)
        {
            if (m <= DirectRows && !transB && UseAvx)
            {
                var direct = _directTask ??= new DirectTask();
                direct.Set(pa, lda, transA, pb, ldb, pc, ldc, m, n, k, accumulate);
                WorkerPool.Run(direct, (n + DirectColumns - 1) / DirectColumns);
                direct.Clear();
                return;
            }

            var task = _task ??= new GemmTask();
            task.Set(pa, lda, transA, pc, ldc, m, n, k, accumulate);
            task.SetB(pb, ldb, transB, null);
            task.Run();
        }
    }

    /// <summary>C = op(A) · B (or C += ...) with B packed beforehand by <see cref="PackedB.Pack"/>.</summary>
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
            task.Set(pa, lda, transA, pc, ldc, m, b.N, b.K, accumulate);
            task.SetB(null, 0, false, b);
            task.Run();
        }
    }

    /// <summary>
    /// How deep the K blocks are: as even as possible and at most <see cref="MaxKc"/>, so that, say,
    /// a 3×3×32 convolution (K = 288) takes one block rather than 256 + 32.
    /// </summary>
    internal static int KBlockDepth(int k)
    {
        int blocks = (k + MaxKc - 1) / MaxKc;
        return (k + blocks - 1) / blocks;
    }

    /// <summary>op(B) packed once into the micro-kernel's panels, for a B that several products share (a convolution's kernel).</summary>
    internal sealed class PackedB
    {
        private float* _data;
        private long _length;

        public int K { get; private set; }
        public int N { get; private set; }
        internal float* Data => _data;

        /// <summary>Packs op(B)[k×n] (B stored k×n, or n×k with <paramref name="transB"/>).</summary>
        public void Pack(ReadOnlySpan<float> b, int ldb, bool transB, int k, int n)
        {
            long needed = (long)((n + Nr - 1) / Nr) * Nr * k;
            if (needed > _length)
            {
                if (_data != null) NativeMemory.AlignedFree(_data);
                _data = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, needed) * sizeof(float), 64);
                _length = needed;
            }
            (K, N) = (k, n);
            if (k == 0 || n == 0) return;
            fixed (float* pb = b)
            {
                var task = _task ??= new GemmTask();
                task.Set(null, 0, false, null, 0, 0, n, k, false);
                task.SetB(pb, ldb, transB, this);
                task.PackOnly();
            }
        }

        ~PackedB()
        {
            if (_data != null) NativeMemory.AlignedFree(_data);
        }
    }

    private sealed class GemmTask : ParallelTask
    {
        private float* _a, _b, _c;
        private int _lda, _ldb, _ldc, _m, _n, _k, _kc, _mPanels, _nPanels, _kBlocks, _rowBlock, _columnBlock, _columnBlocks;
        private bool _transA, _transB, _accumulate, _packB;
        private float* _aPack, _ownBPack, _bPack;
        private long _aPackLength, _ownBPackLength;
        private readonly PackTask _packing;

        public GemmTask() => _packing = new PackTask(this);

        private int Tiles { get; set; }

        public void Set(float* a, int lda, bool transA, float* c, int ldc, int m, int n, int k, bool accumulate)
        {
            _a = a; _c = c;
            (_lda, _transA, _ldc) = (lda, transA, ldc);
            (_m, _n, _k, _accumulate) = (m, n, k, accumulate);
            _mPanels = (m + Mr - 1) / Mr;
            _nPanels = (n + Nr - 1) / Nr;
            _kc = KBlockDepth(k);
            _kBlocks = (k + _kc - 1) / _kc;
            Ensure(ref _aPack, ref _aPackLength, (long)_mPanels * Mr * k);

            // Smaller tiles when there are too few to keep every thread busy; the sums do not change.
            int wanted = 4 * WorkerPool.AvailableThreads;
            _rowBlock = RowBlock;
            _columnBlock = ColumnBlock;
            while (TileCount() < wanted && _columnBlock > 4 * Nr) _columnBlock /= 2;
            while (TileCount() < wanted && _rowBlock > 4 * Mr) _rowBlock /= 2;
            _columnBlocks = (n + _columnBlock - 1) / _columnBlock;
            Tiles = TileCount();
        }

        /// <summary>B to pack from (then into <paramref name="packed"/> or this task's buffer), or, with b null, packed already.</summary>
        public void SetB(float* b, int ldb, bool transB, PackedB? packed)
        {
            _b = b;
            (_ldb, _transB, _packB) = (ldb, transB, b != null);
            if (packed is not null)
            {
                _bPack = packed.Data;
            }
            else
            {
                Ensure(ref _ownBPack, ref _ownBPackLength, (long)_nPanels * Nr * _k);
                _bPack = _ownBPack;
            }
        }

        public void Run()
        {
            WorkerPool.Run(_packing, (_mPanels + (_packB ? _nPanels : 0)) * _kBlocks);
            WorkerPool.Run(this, Tiles);
            Clear();
        }

        public void PackOnly()
        {
            WorkerPool.Run(_packing, _nPanels * _kBlocks);
            Clear();
        }

        private int TileCount() => ((_m + _rowBlock - 1) / _rowBlock) * ((_n + _columnBlock - 1) / _columnBlock);

        private void Clear() => _a = _b = _c = _bPack = null;

        private static void Ensure(ref float* buffer, ref long length, long needed)
        {
            if (needed <= length) return;
            if (buffer != null) NativeMemory.AlignedFree(buffer);
            buffer = (float*)NativeMemory.AlignedAlloc((nuint)needed * sizeof(float), 64);
            length = needed;
        }

        // Panels of K block kb start at kb·kc·(panels·width): every earlier block is a full kc deep.
        private float* APanel(int kb, int panel, int kc) => _aPack + (long)kb * _kc * _mPanels * Mr + (long)panel * Mr * kc;

        private float* BPanel(int kb, int panel, int kc) => _bPack + (long)kb * _kc * _nPanels * Nr + (long)panel * Nr * kc;

        public void Pack(int item)
        {
            int aItems = _mPanels * _kBlocks;
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
                PackBPanel(BPanel(kb, panel, kc), panel * Nr, p0, kc);
            }
        }

        private void PackAPanel(float* dst, int i0, int p0, int kc)
        {
            int rows = Math.Min(Mr, _m - i0);
            if (!_transA && rows == Mr && UseAvx)
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
            int cols = Math.Min(Nr, _n - j0);
            if (!_transB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = _b + (long)(p0 + p) * _ldb + j0;
                    float* d = dst + p * Nr;
                    if (cols == Nr)
                    {
                        Unsafe.CopyBlockUnaligned(d, src, Nr * sizeof(float));
                    }
                    else
                    {
                        int c = 0;
                        for (; c < cols; c++) d[c] = src[c];
                        for (; c < Nr; c++) d[c] = 0f;
                    }
                }
            }
            else if (cols == Nr && UseAvx)
            {
                float* src = _b + (long)j0 * _ldb + p0;
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    Transpose8x8(src + p, _ldb, dst + p * Nr, Nr);
                    Transpose8x8(src + 8L * _ldb + p, _ldb, dst + p * Nr + 8, Nr);
                }
                for (; p < kc; p++)
                    for (int c = 0; c < Nr; c++) dst[p * Nr + c] = src[(long)c * _ldb + p];
            }
            else
            {
                for (int c = 0; c < Nr; c++)
                {
                    if (c < cols)
                    {
                        float* src = _b + (long)(j0 + c) * _ldb + p0;
                        for (int p = 0; p < kc; p++) dst[p * Nr + c] = src[p];
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++) dst[p * Nr + c] = 0f;
                    }
                }
            }
        }

        public override void Execute(int tile)
        {
            int rowPanel0 = tile / _columnBlocks * (_rowBlock / Mr);
            int rowPanelEnd = Math.Min(_mPanels, rowPanel0 + _rowBlock / Mr);
            int columnPanel0 = tile % _columnBlocks * (_columnBlock / Nr);
            int columnPanelEnd = Math.Min(_nPanels, columnPanel0 + _columnBlock / Nr);
            bool avx = UseAvx;
            for (int kb = 0; kb < _kBlocks; kb++)
            {
                int kc = Math.Min(_kc, _k - kb * _kc);
                bool accumulate = _accumulate || kb > 0;
                for (int jp = columnPanel0; jp < columnPanelEnd; jp++)
                {
                    int j = jp * Nr;
                    int nr = Math.Min(Nr, _n - j);
                    float* bp = BPanel(kb, jp, kc);
                    for (int ip = rowPanel0; ip < rowPanelEnd; ip++)
                    {
                        int i = ip * Mr;
                        int mr = Math.Min(Mr, _m - i);
                        float* ap = APanel(kb, ip, kc);
                        float* c = _c + (long)i * _ldc + j;
                        if (avx) MicroKernelAvx(kc, ap, bp, c, _ldc, mr, nr, accumulate);
                        else MicroKernelScalar(kc, ap, bp, c, _ldc, mr, nr, accumulate);
                    }
                }
            }
        }
    }

    private sealed class PackTask(GemmTask owner) : ParallelTask
    {
        public override void Execute(int item) => owner.Pack(item);
    }

    /// <summary>
    /// The unpacked product for a few rows: items are 64-column strips of C, each row's strip held in
    /// eight accumulators while B's rows stream past. Same K blocks, same FMA order as the packed kernel.
    /// </summary>
    private sealed class DirectTask : ParallelTask
    {
        private float* _a, _b, _c;
        private int _lda, _ldb, _ldc, _m, _n, _k;
        private bool _transA, _accumulate;

        public void Set(float* a, int lda, bool transA, float* b, int ldb, float* c, int ldc, int m, int n, int k, bool accumulate)
        {
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
                    if (width == DirectColumns) Strip64(kc, ap, aStride, bp, _ldb, c, accumulate);
                    else StripNarrow(kc, ap, aStride, bp, _ldb, c, width, accumulate);
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

    // dst row p (stride dstStride) = column p of the 8×8 block at src (stride srcStride).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, long srcStride, float* dst, long dstStride)
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
    private static void TransposeSixRows(float* src, long srcStride, float* dst)
    {
        var zero = Vector256<float>.Zero;
        var (t0, t1, t2, t3, t4, t5, t6, t7) = Transpose(
            Avx.LoadVector256(src), Avx.LoadVector256(src + srcStride),
            Avx.LoadVector256(src + 2 * srcStride), Avx.LoadVector256(src + 3 * srcStride),
            Avx.LoadVector256(src + 4 * srcStride), Avx.LoadVector256(src + 5 * srcStride), zero, zero);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernelAvx(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, bool accumulate)
    {
        Vector256<float> c00 = Vector256<float>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        Vector256<float> c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadAlignedVector256(b);
            var b1 = Avx.LoadAlignedVector256(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(a0, b0, c00); c01 = Fma.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(a1, b0, c10); c11 = Fma.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(a2, b0, c20); c21 = Fma.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(a3, b0, c30); c31 = Fma.MultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(a4, b0, c40); c41 = Fma.MultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(a5, b0, c50); c51 = Fma.MultiplyAdd(a5, b1, c51);
            a += Mr;
            b += Nr;
        }

        if (mr == Mr && nr == Nr)
        {
            Store(c, c00, c01, accumulate); c += ldc;
            Store(c, c10, c11, accumulate); c += ldc;
            Store(c, c20, c21, accumulate); c += ldc;
            Store(c, c30, c31, accumulate); c += ldc;
            Store(c, c40, c41, accumulate); c += ldc;
            Store(c, c50, c51, accumulate);
            return;
        }

        float* tile = stackalloc float[Mr * Nr];
        c00.Store(tile); c01.Store(tile + 8);
        c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40);
        c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72);
        c50.Store(tile + 80); c51.Store(tile + 88);
        StoreEdge(tile, c, ldc, mr, nr, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> lo, Vector256<float> hi, bool accumulate)
    {
        if (accumulate)
        {
            lo = Avx.Add(lo, Avx.LoadVector256(c));
            hi = Avx.Add(hi, Avx.LoadVector256(c + 8));
        }
        Avx.Store(c, lo);
        Avx.Store(c + 8, hi);
    }

    private static void StoreEdge(float* tile, float* c, int ldc, int mr, int nr, bool accumulate)
    {
        for (int r = 0; r < mr; r++)
        {
            float* row = c + (long)r * ldc;
            float* t = tile + r * Nr;
            if (accumulate)
                for (int j = 0; j < nr; j++) row[j] += t[j];
            else
                for (int j = 0; j < nr; j++) row[j] = t[j];
        }
    }

    /// <summary>The portable kernel: the same packed layout and summation order, scalar FMAs.</summary>
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
        StoreEdge(tile, c, ldc, mr, nr, accumulate);
    }
}
