using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Kernels;

/// <summary>
/// Sums over a batch's rows whose bits do not depend on how the rows are grouped. Every term of a sum is
/// rounded to a whole multiple of a unit fixed by the largest magnitude any of its terms can have (over the
/// whole batch: ranks sharing a batch exchange their maxima first), and the multiples are added as 64-bit
/// integers, which is exact in any order. A sum whose terms are below 2^e keeps them to multiples of
/// 2^(e − <see cref="Bits"/>): 51 bits below the bound for batches of up to 2048 terms, far finer than a float
/// sum's rounding. The terms here are exact in double (a float, a float times a power of two, or the product
/// of two floats), so rounding them is one deterministic step per term: adding 1.5·2^52 leaves the nearest
/// integer in the low bits of the double.
/// </summary>
internal static unsafe partial class FixedPointSums
{
    private const double Magic = 6755399441055744.0;
    private const long MagicBits = 0x4338000000000000;
    private const int RowsPerItem = 4;

    /// <summary>An exponent that stands for a bound that is not finite: the sum is NaN.</summary>
    public const int NonFinite = int.MinValue;

    [ThreadStatic] private static ProductTask? _task;
    [ThreadStatic] private static double[]? t_transposedA, t_scaledB;

    /// <summary>
    /// Bits kept below a sum's bound when it has <paramref name="terms"/> terms: the terms and their integer sum
    /// then stay below 2^62 (and each below 2^51, where the rounding step holds).
    /// </summary>
    public static int Bits(long terms) => Math.Min(51, 62 - (terms <= 1 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(terms - 1))));

    /// <summary>The smallest e with v &lt; 2^e for every magnitude v up to <paramref name="max"/>: 0 for 0, <see cref="NonFinite"/> for NaN or infinity.</summary>
    public static int Exponent(double max)
    {
        if (!double.IsFinite(max)) return NonFinite;
        return max == 0 ? 0 : Math.ILogB(max) + 1;
    }

    /// <summary>The value of an integer sum whose terms were scaled by 2^<paramref name="scale"/>.</summary>
    public static double Value(long sum, int scale) => scale == NonFinite ? double.NaN : Math.ScaleB((double)sum, -scale);

    /// <summary>2^<paramref name="scale"/>, the factor terms are scaled by before rounding (NaN for <see cref="NonFinite"/>).</summary>
    public static double Factor(int scale) => scale == NonFinite ? double.NaN : Math.ScaleB(1.0, scale);

    /// <summary>The sum of two scale exponents, <see cref="NonFinite"/> when either is.</summary>
    public static int Add(int a, int b) => a == NonFinite || b == NonFinite ? NonFinite : a + b;

    /// <summary>round(v) for |v| ≤ 2^51: the integer a term contributes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Round(double v) => BitConverter.DoubleToInt64Bits(v + Magic) - MagicBits;

    /// <summary>
    /// C[i, j] += Σ_r round(a[r, i]·b[r, j]·2^(rowScale[i] + columnScale[j])) for A rows × m (row length lda),
    /// B rows × n (row length ldb), C m × n; each scaled product must be below 2^51. Every instruction-set path
    /// gives the same integers (the products are exact, the rounding one IEEE step).
    /// </summary>
    public static void AddTransposedProduct(ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<long> c, int rows, int m, int n,
        ReadOnlySpan<int> rowScale, ReadOnlySpan<int> columnScale)
    {
        if (m == 0 || n == 0 || rows == 0) return;
        if (a.Length < (long)(rows - 1) * lda + m || b.Length < (long)(rows - 1) * ldb + n || c.Length < (long)m * n
            || rowScale.Length < m || columnScale.Length < n)
            throw new ArgumentException("The fixed-point product's operands are shorter than the shapes need.");
        // A's columns and B's rows scaled into double once (exact: a float times a power of two), A transposed.
        var transposedA = Grow(ref t_transposedA, (long)m * rows);
        var scaledB = Grow(ref t_scaledB, (long)rows * n);
        for (int i = 0; i < m; i++)
        {
            double factor = Factor(rowScale[i]);
            for (int r = 0; r < rows; r++) transposedA[(long)i * rows + r] = a[r * lda + i] * factor;
        }
        var factors = Factors(columnScale[..n]);
        for (int r = 0; r < rows; r++)
        {
            var brow = b.Slice(r * ldb, n);
            for (int j = 0; j < n; j++) scaledB[(long)r * n + j] = brow[j] * factors[j];
        }
        fixed (long* pc = c)
        fixed (double* at = transposedA, bd = scaledB)
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
            task.C = null;
            task.At = task.Bd = null;
        }
    }

    private static double[] Grow(ref double[]? buffer, long length) =>
        buffer is { } b && b.Length >= length ? b : buffer = new double[length];

    private sealed class ProductTask : ParallelTask
    {
        public long* C;
        public double* At, Bd;
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
                    case InstructionSet.Avx512: Tile<Vector512<double>, Vector512<long>>(i0, j0); return;
                    case InstructionSet.Avx2: Tile<Vector256<double>, Vector256<long>>(i0, j0); return;
                    case InstructionSet.Portable: Tile<Vector128<double>, Vector128<long>>(i0, j0); return;
                }
            for (int i = i0; i < i0 + rowsHere; i++)
                for (int j = j0; j < j0 + columns; j++)
                {
                    long sum = 0;
                    for (int r = 0; r < Rows; r++) sum += BitConverter.DoubleToInt64Bits(Math.FusedMultiplyAdd(At[(long)i * Rows + r], Bd[(long)r * N + j], Magic));
                    C[(long)i * N + j] += sum - Rows * MagicBits;
                }
        }

        // Four rows of C by two vectors of columns: each term a·b + 1.5·2^52 in one rounding, its bits added up as
        // integers; the constant's bits, once per row, come off at the end (integer sums wrap, so that is exact).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Tile<TV, TL>(int i0, int j0) where TV : struct where TL : struct
        {
            int w = Columns / 2;
            TL z = default;
            TL c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
            var magic = Broadcast<TV>(Magic);
            double* a0 = At + (long)i0 * Rows, a1 = a0 + Rows, a2 = a1 + Rows, a3 = a2 + Rows;
            double* b = Bd + j0;
            for (int r = 0; r < Rows; r++, b += N)
            {
                var (b0, b1) = (Load<TV>(b), Load<TV>(b + w));
                var a = Broadcast<TV>(a0[r]); c00 = Term<TV, TL>(a, b0, magic, c00); c01 = Term<TV, TL>(a, b1, magic, c01);
                a = Broadcast<TV>(a1[r]); c10 = Term<TV, TL>(a, b0, magic, c10); c11 = Term<TV, TL>(a, b1, magic, c11);
                a = Broadcast<TV>(a2[r]); c20 = Term<TV, TL>(a, b0, magic, c20); c21 = Term<TV, TL>(a, b1, magic, c21);
                a = Broadcast<TV>(a3[r]); c30 = Term<TV, TL>(a, b0, magic, c30); c31 = Term<TV, TL>(a, b1, magic, c31);
            }
            long offset = Rows * MagicBits;
            long* c = C + (long)i0 * N + j0;
            AddTo(c, c00, offset); AddTo(c + w, c01, offset); c += N;
            AddTo(c, c10, offset); AddTo(c + w, c11, offset); c += N;
            AddTo(c, c20, offset); AddTo(c + w, c21, offset); c += N;
            AddTo(c, c30, offset); AddTo(c + w, c31, offset);
        }

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

        // sum + bits(a·b + magic), the product exact and the addition rounded once.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TL Term<TV, TL>(TV a, TV b, TV magic, TL sum) where TV : struct where TL : struct
        {
            if (typeof(TV) == typeof(Vector512<double>))
                return (TL)(object)((Vector512<long>)(object)sum + Vector512.FusedMultiplyAdd((Vector512<double>)(object)a, (Vector512<double>)(object)b, (Vector512<double>)(object)magic).AsInt64());
            if (typeof(TV) == typeof(Vector256<double>))
                return (TL)(object)((Vector256<long>)(object)sum + Vector256.FusedMultiplyAdd((Vector256<double>)(object)a, (Vector256<double>)(object)b, (Vector256<double>)(object)magic).AsInt64());
            return (TL)(object)((Vector128<long>)(object)sum + Vector128.FusedMultiplyAdd((Vector128<double>)(object)a, (Vector128<double>)(object)b, (Vector128<double>)(object)magic).AsInt64());
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddTo<TL>(long* c, TL v, long offset) where TL : struct
        {
            if (typeof(TL) == typeof(Vector512<long>)) (Vector512.Load(c) + (Vector512<long>)(object)v - Vector512.Create(offset)).Store(c);
            else if (typeof(TL) == typeof(Vector256<long>)) (Vector256.Load(c) + (Vector256<long>)(object)v - Vector256.Create(offset)).Store(c);
            else (Vector128.Load(c) + (Vector128<long>)(object)v - Vector128.Create(offset)).Store(c);
        }
    }
}
