using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Kernels;

/// <summary>
/// Single-precision matrix product C = op(A)·op(B) (or C += ...), row-major.
/// Both operands are packed into panels so the micro-kernel reads contiguous memory: A in panels
/// of <see cref="Mr"/> rows, B in panels of <see cref="Nr"/> columns, both blocked by
/// <see cref="Kc"/> along the inner dimension so an A block stays in L2 and a B panel in L1.
/// The AVX2/FMA micro-kernel keeps a 6×16 tile of C in 12 ymm registers. The work is split into
/// column blocks of C; each output value is always accumulated in the same order, so the
/// result is identical for any thread count.
/// </summary>
internal static unsafe class Gemm
{
    internal const int Mr = 6;
    internal const int Nr = 16;
    internal const int Kc = 256;
    private const int RowBlock = 96;
    private const int ColumnBlock = 256;

    /// <summary>Forces the portable kernel, so tests can check it on machines with AVX2.</summary>
    internal static bool ForceScalar { get; set; }

    private static bool UseAvx => Fma.IsSupported && Avx.IsSupported && !ForceScalar;

    [ThreadStatic] private static GemmTask? _task;
    [ThreadStatic] private static PackATask? _packTask;

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

        int mPanels = (m + Mr - 1) / Mr;
        var task = _task ??= new GemmTask();
        var packA = _packTask ??= new PackATask();
        task.EnsureAPack(mPanels * Mr * Math.Min(k, Kc));

        fixed (float* pa = a, pb = b, pc = c)
        {
            task.A = pa; task.Lda = lda; task.TransA = transA;
            task.B = pb; task.Ldb = ldb; task.TransB = transB;
            task.C = pc; task.Ldc = ldc;
            task.M = m; task.N = n;
            task.MPanels = mPanels;
            int columnBlocks = (n + ColumnBlock - 1) / ColumnBlock;
            for (int p0 = 0; p0 < k; p0 += Kc)
            {
                int kc = Math.Min(Kc, k - p0);
                task.P0 = p0; task.Kc = kc;
                task.Accumulate = accumulate || p0 > 0;
                packA.Owner = task;
                WorkerPool.Run(packA, mPanels);
                WorkerPool.Run(task, columnBlocks);
            }
            task.A = task.B = task.C = null;
        }
    }

    private sealed class PackATask : ParallelTask
    {
        public GemmTask? Owner;

        public override void Execute(int panel) => Owner!.PackAPanel(panel);
    }

    private sealed class GemmTask : ParallelTask
    {
        public float* A, B, C;
        public int Lda, Ldb, Ldc, M, N, P0, Kc, MPanels;
        public bool TransA, TransB, Accumulate;
        private float* _aPack;
        private int _aPackLength;

        [ThreadStatic] private static float* _bPack;

        public void EnsureAPack(int length)
        {
            if (length <= _aPackLength) return;
            if (_aPack != null) NativeMemory.AlignedFree(_aPack);
            _aPack = (float*)NativeMemory.AlignedAlloc((nuint)length * sizeof(float), 64);
            _aPackLength = length;
        }

        public void PackAPanel(int panel)
        {
            float* dst = _aPack + (long)panel * Mr * Kc;
            int i0 = panel * Mr;
            int rows = Math.Min(Mr, M - i0);
            int kc = Kc;
            if (!TransA)
            {
                for (int r = 0; r < Mr; r++)
                {
                    if (r < rows)
                    {
                        float* src = A + (long)(i0 + r) * Lda + P0;
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
                    float* src = A + (long)(P0 + p) * Lda + i0;
                    float* d = dst + p * Mr;
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < Mr; r++) d[r] = 0f;
                }
            }
        }

        public override void Execute(int block)
        {
            int j0 = block * ColumnBlock;
            int cols = Math.Min(ColumnBlock, N - j0);
            int nPanels = (cols + Nr - 1) / Nr;
            int kc = Kc;
            if (_bPack == null)
                _bPack = (float*)NativeMemory.AlignedAlloc((nuint)(Gemm.Kc * ColumnBlock) * sizeof(float), 64);
            float* bPack = _bPack;
            for (int jp = 0; jp < nPanels; jp++)
                PackBPanel(bPack + jp * kc * Nr, j0 + jp * Nr, kc);

            bool avx = UseAvx;
            for (int rowPanel0 = 0; rowPanel0 < MPanels; rowPanel0 += RowBlock / Mr)
            {
                int rowPanelEnd = Math.Min(MPanels, rowPanel0 + RowBlock / Mr);
                for (int jp = 0; jp < nPanels; jp++)
                {
                    int j = j0 + jp * Nr;
                    int nr = Math.Min(Nr, N - j);
                    float* bp = bPack + jp * kc * Nr;
                    for (int ip = rowPanel0; ip < rowPanelEnd; ip++)
                    {
                        int i = ip * Mr;
                        int mr = Math.Min(Mr, M - i);
                        float* ap = _aPack + (long)ip * Mr * kc;
                        float* c = C + (long)i * Ldc + j;
                        if (avx) MicroKernelAvx(kc, ap, bp, c, Ldc, mr, nr, Accumulate);
                        else MicroKernelScalar(kc, ap, bp, c, Ldc, mr, nr, Accumulate);
                    }
                }
            }
        }

        private void PackBPanel(float* dst, int j0, int kc)
        {
            int cols = Math.Min(Nr, N - j0);
            if (!TransB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = B + (long)(P0 + p) * Ldb + j0;
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
            else
            {
                for (int c = 0; c < Nr; c++)
                {
                    if (c < cols)
                    {
                        float* src = B + (long)(j0 + c) * Ldb + P0;
                        for (int p = 0; p < kc; p++) dst[p * Nr + c] = src[p];
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++) dst[p * Nr + c] = 0f;
                    }
                }
            }
        }
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
