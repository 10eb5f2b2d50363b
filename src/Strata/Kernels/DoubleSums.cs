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

    /// <summary>C[i, j] += Σ_r a[r, i]·b[r, j] for A rows × m (row length lda) and B rows × n (row length ldb), C m × n.</summary>
    public static void AddTransposedProduct(ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<double> c, int rows, int m, int n)
    {
        if (m == 0 || n == 0 || rows == 0) return;
        if (a.Length < (long)(rows - 1) * lda + m || b.Length < (long)(rows - 1) * ldb + n || c.Length < (long)m * n)
            throw new ArgumentException("The double product's operands are shorter than the shapes need.");
        fixed (float* pa = a, pb = b)
        fixed (double* pc = c)
        {
            var task = _task ??= new ProductTask();
            task.A = pa; task.B = pb; task.C = pc;
            (task.Lda, task.Ldb, task.Rows, task.M, task.N, task.Isa) = (lda, ldb, rows, m, n, InstructionSets.Current);
            task.Columns = task.Isa switch { InstructionSet.Avx512 => 16, InstructionSet.Avx2 => 8, InstructionSet.Portable => 4, _ => 2 };
            task.RowBlocks = (m + RowsPerItem - 1) / RowsPerItem;
            int items = task.RowBlocks * ((n + task.Columns - 1) / task.Columns);
            if ((long)rows * m * n < 1 << 16)
                for (int i = 0; i < items; i++) task.Execute(i);
            else
                WorkerPool.Run(task, items);
            task.A = task.B = null;
            task.C = null;
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
        public float* A, B;
        public double* C;
        public int Lda, Ldb, Rows, M, N, Columns, RowBlocks;
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
                    for (int r = 0; r < Rows; r++) sum += (double)A[(long)r * Lda + i] * B[(long)r * Ldb + j];
                    C[(long)i * N + j] += sum;
                }
        }

        // Four rows of C by two vectors of columns in eight accumulators, each summed row after row.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Tile<TV>(int i0, int j0) where TV : struct
        {
            int w = Columns / 2;
            TV z = default;
            TV c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
            for (int r = 0; r < Rows; r++)
            {
                float* brow = B + (long)r * Ldb + j0;
                float* arow = A + (long)r * Lda + i0;
                var (b0, b1) = (Widen<TV>(brow), Widen<TV>(brow + w));
                var a = Broadcast<TV>(arow[0]); c00 = Add(c00, Multiply(a, b0)); c01 = Add(c01, Multiply(a, b1));
                a = Broadcast<TV>(arow[1]); c10 = Add(c10, Multiply(a, b0)); c11 = Add(c11, Multiply(a, b1));
                a = Broadcast<TV>(arow[2]); c20 = Add(c20, Multiply(a, b0)); c21 = Add(c21, Multiply(a, b1));
                a = Broadcast<TV>(arow[3]); c30 = Add(c30, Multiply(a, b0)); c31 = Add(c31, Multiply(a, b1));
            }
            double* c = C + (long)i0 * N + j0;
            AddTo(c, c00); AddTo(c + w, c01); c += N;
            AddTo(c, c10); AddTo(c + w, c11); c += N;
            AddTo(c, c20); AddTo(c + w, c21); c += N;
            AddTo(c, c30); AddTo(c + w, c31);
        }

        // The vector operations for the three widths; the products are exact, so a product then a sum is the fused
        // step's result as well.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV Widen<TV>(float* p) where TV : struct
        {
            if (typeof(TV) == typeof(Vector512<double>)) return (TV)(object)Vector512.WidenLower(Vector512.Create(Vector256.Load(p), Vector256<float>.Zero));
            if (typeof(TV) == typeof(Vector256<double>)) return (TV)(object)Vector256.WidenLower(Vector256.Create(Vector128.Load(p), Vector128<float>.Zero));
            return (TV)(object)Vector128.WidenLower(Vector128.Create(p[0], p[1], 0f, 0f));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV Broadcast<TV>(float v) where TV : struct
        {
            if (typeof(TV) == typeof(Vector512<double>)) return (TV)(object)Vector512.Create((double)v);
            if (typeof(TV) == typeof(Vector256<double>)) return (TV)(object)Vector256.Create((double)v);
            return (TV)(object)Vector128.Create((double)v);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV Multiply<TV>(TV a, TV b) where TV : struct
        {
            if (typeof(TV) == typeof(Vector512<double>)) return (TV)(object)((Vector512<double>)(object)a * (Vector512<double>)(object)b);
            if (typeof(TV) == typeof(Vector256<double>)) return (TV)(object)((Vector256<double>)(object)a * (Vector256<double>)(object)b);
            return (TV)(object)((Vector128<double>)(object)a * (Vector128<double>)(object)b);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV Add<TV>(TV a, TV b) where TV : struct
        {
            if (typeof(TV) == typeof(Vector512<double>)) return (TV)(object)((Vector512<double>)(object)a + (Vector512<double>)(object)b);
            if (typeof(TV) == typeof(Vector256<double>)) return (TV)(object)((Vector256<double>)(object)a + (Vector256<double>)(object)b);
            return (TV)(object)((Vector128<double>)(object)a + (Vector128<double>)(object)b);
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
