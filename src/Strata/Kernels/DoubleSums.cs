using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Kernels;

/// <summary>
/// Parameter gradients summed over the rows in double: C[i, j] += Σ_r a[r, i]·b[r, j] and c[j] += Σ_r b[r, j].
/// The product of two floats is exact in double, so each sum depends on how the rows are grouped only through
/// double rounding: rows split among ranks and summed in rank order give, once rounded to float, the float
/// one process gets but where the two double sums straddle a rounding boundary. Each value is summed r = 0, 1, ...
/// from zero; every instruction-set path gives the scalar path's bits.
/// </summary>
internal static unsafe class DoubleSums
{
    private const int RowsPerItem = 4;

    [ThreadStatic] private static ProductTask? _task;
    [ThreadStatic] private static double[]? t_transposedA, t_widenedB;

    private static double[] Grow(ref double[]? buffer, long length) =>
        buffer is { } b && b.Length >= length ? b : buffer = new double[length];

    /// <summary>C[i, j] += Σ_r a[r, i]·b[r, j] for A rows × m (row length lda) and B rows × n (row length ldb), C m × n.</summary>
    public static void AddTransposedProduct(ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<double> c, int rows, int m, int n)
    {
        if (m == 0 || n == 0 || rows == 0) return;
        if (a.Length < (long)(rows - 1) * lda + m || b.Length < (long)(rows - 1) * ldb + n || c.Length < (long)m * n)
            throw new ArgumentException("The double product's operands are shorter than the shapes need.");
        // A's columns and B's rows widened to double once, A transposed, so each tile reads contiguous rows.
        var transposedA = Grow(ref t_transposedA, (long)m * rows);
        var widenedB = Grow(ref t_widenedB, (long)rows * n);
        for (int r = 0; r < rows; r++)
        {
            var arow = a.Slice(r * lda, m);
            for (int i = 0; i < m; i++) transposedA[(long)i * rows + r] = arow[i];
            var brow = b.Slice(r * ldb, n);
            for (int j = 0; j < n; j++) widenedB[(long)r * n + j] = brow[j];
        }
        fixed (double* pc = c, at = transposedA, bd = widenedB)
        {
            var task = _task ??= new ProductTask();
            task.C = pc; task.At = at; task.Bd = bd;
            (task.Rows, task.M, task.N, task.Isa) = (rows, m, n, InstructionSets.Current);
            task.Columns = task.Isa switch { InstructionSet.Avx512 => 16, InstructionSet.Avx2 => 8, InstructionSet.Portable => 4, _ => 2 };
            task.RowBlocks = (m + RowsPerItem - 1) / RowsPerItem;
            int items = task.RowBlocks * ((n + task.Columns - 1) / task.Columns);
            if ((long)rows * m * n < 1 << 16)
                for (int i = 0; i < items; i++) task.Execute(i);
            else
                WorkerPool.Run(task, items);
            task.C = task.At = task.Bd = null;
        }
    }

    /// <summary>c[j] += Σ_r b[r, j] over rows × n values (row length ldb).</summary>
    public static void AddColumnSums(ReadOnlySpan<float> b, int ldb, Span<double> c, int rows, int n)
    {
        if (b.Length < (long)(rows - 1) * ldb + n && rows > 0 || c.Length < n)
            throw new ArgumentException("The column sums' operands are shorter than the shapes need.");
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++) sum += b[r * ldb + j];
            c[j] += sum;
        }
    }

    private sealed class ProductTask : ParallelTask
    {
        public double* C, At, Bd;
        public int Rows, M, N, Columns, RowBlocks;
        public InstructionSet Isa;

        // Items that share a column block are neighbours, so B's columns stay in L1 from one row block to the next.
        public override void Execute(int item)
        {
            int i0 = item % RowBlocks * RowsPerItem, j0 = item / RowBlocks * Columns;
            int rowsHere = Math.Min(RowsPerItem, M - i0), columns = Math.Min(Columns, N - j0);
            if (rowsHere == RowsPerItem && columns == Columns)
                switch (Isa)
                {
                    case InstructionSet.Avx512: Tile<Vector512<double>>(i0, j0); return;
                    case InstructionSet.Avx2: Tile<Vector256<double>>(i0, j0); return;
                    case InstructionSet.Portable: Tile<Vector128<double>>(i0, j0); return;
                }
            for (int i = i0; i < i0 + rowsHere; i++)
                for (int j = j0; j < j0 + columns; j++)
                {
                    double sum = 0;
                    for (int r = 0; r < Rows; r++) sum += At[(long)i * Rows + r] * Bd[(long)r * N + j];
                    C[(long)i * N + j] += sum;
                }
        }

        // Four rows of C by two vectors of columns in eight accumulators, each summed row after row, from A's
        // transposed rows and B's rows in double.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Tile<TV>(int i0, int j0) where TV : struct
        {
            int w = Columns / 2;
            TV z = default;
            TV c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
            double* a0 = At + (long)i0 * Rows, a1 = a0 + Rows, a2 = a1 + Rows, a3 = a2 + Rows;
            double* b = Bd + j0;
            for (int r = 0; r < Rows; r++, b += N)
            {
                var (b0, b1) = (Load<TV>(b), Load<TV>(b + w));
                var a = Broadcast<TV>(a0[r]); c00 = MultiplyAdd(a, b0, c00); c01 = MultiplyAdd(a, b1, c01);
                a = Broadcast<TV>(a1[r]); c10 = MultiplyAdd(a, b0, c10); c11 = MultiplyAdd(a, b1, c11);
                a = Broadcast<TV>(a2[r]); c20 = MultiplyAdd(a, b0, c20); c21 = MultiplyAdd(a, b1, c21);
                a = Broadcast<TV>(a3[r]); c30 = MultiplyAdd(a, b0, c30); c31 = MultiplyAdd(a, b1, c31);
            }
            double* c = C + (long)i0 * N + j0;
            AddTo(c, c00); AddTo(c + w, c01); c += N;
            AddTo(c, c10); AddTo(c + w, c11); c += N;
            AddTo(c, c20); AddTo(c + w, c21); c += N;
            AddTo(c, c30); AddTo(c + w, c31);
        }

        // The vector operations for the three widths.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV Load<TV>(double* p) where TV : struct
        {
            if (typeof(TV) == typeof(Vector512<double>)) return (TV)(object)Vector512.Load(p);
            if (typeof(TV) == typeof(Vector256<double>)) return (TV)(object)Vector256.Load(p);
            return (TV)(object)Vector128.Load(p);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV Broadcast<TV>(double v) where TV : struct
        {
            if (typeof(TV) == typeof(Vector512<double>)) return (TV)(object)Vector512.Create(v);
            if (typeof(TV) == typeof(Vector256<double>)) return (TV)(object)Vector256.Create(v);
            return (TV)(object)Vector128.Create(v);
        }

        // The product is exact, so the fused step gives the bits of a product then a sum.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV MultiplyAdd<TV>(TV a, TV b, TV c) where TV : struct
        {
            if (typeof(TV) == typeof(Vector512<double>))
                return (TV)(object)Vector512.FusedMultiplyAdd((Vector512<double>)(object)a, (Vector512<double>)(object)b, (Vector512<double>)(object)c);
            if (typeof(TV) == typeof(Vector256<double>))
                return (TV)(object)Vector256.FusedMultiplyAdd((Vector256<double>)(object)a, (Vector256<double>)(object)b, (Vector256<double>)(object)c);
            return (TV)(object)Vector128.FusedMultiplyAdd((Vector128<double>)(object)a, (Vector128<double>)(object)b, (Vector128<double>)(object)c);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddTo<TV>(double* c, TV v) where TV : struct
        {
            if (typeof(TV) == typeof(Vector512<double>)) (Vector512.Load(c) + (Vector512<double>)(object)v).Store(c);
            else if (typeof(TV) == typeof(Vector256<double>)) (Vector256.Load(c) + (Vector256<double>)(object)v).Store(c);
            else (Vector128.Load(c) + (Vector128<double>)(object)v).Store(c);
        }
    }
}
