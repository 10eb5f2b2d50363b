using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Strata.Tensors;

namespace Strata.Kernels;

/// <summary>
/// Kernels over a [rows × columns] matrix that run in parallel: bias and activation after a matrix
/// product, and column sums. Column sums split the columns, never the rows, so each sum is taken
/// in row order whatever the thread count.
/// </summary>
internal static unsafe class RowKernels
{
    private const int RowsPerItem = 32;
    private const int ColumnsPerItem = 128;

    [ThreadStatic] private static BiasActivationTask? _biasTask;
    [ThreadStatic] private static ColumnSumTask? _sumTask;

    /// <summary>y = f(z + bias) row by row (bias may be empty); z and y may be the same buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BiasActivation(float[] z, float[]? bias, float[] y, int rows, int columns, ActivationFunction f)
    {
        var task = _biasTask ??= new BiasActivationTask();
        task.Z = z; task.Bias = bias; task.Y = y; task.Rows = rows; task.Columns = columns; task.Function = f;
        WorkerPool.Run(task, (rows + RowsPerItem - 1) / RowsPerItem);
        task.Z = task.Y = null; task.Bias = null;
    }

    /// <summary>sums[j] (+)= Σ_r x[r, j].</summary>
    public static void ColumnSums(float[] x, int rows, int columns, float[] sums, bool accumulate)
    {
        var task = _sumTask ??= new ColumnSumTask();
        task.X = x; task.Sums = sums; task.Rows = rows; task.Columns = columns; task.Accumulate = accumulate;
        WorkerPool.Run(task, (columns + ColumnsPerItem - 1) / ColumnsPerItem);
        task.X = task.Sums = null;
    }

    private sealed class BiasActivationTask : ParallelTask
    {
        public float[]? Z, Bias, Y;
        public int Rows, Columns;
        public ActivationFunction Function;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int index)
        {
            int r0 = index * RowsPerItem, r1 = Math.Min(Rows, r0 + RowsPerItem);
            for (int r = r0; r < r1; r++)
            {
                var zRow = Z.AsSpan(r * Columns, Columns);
                var yRow = Y.AsSpan(r * Columns, Columns);
                if (Bias is not null)
                {
                    Add(zRow, Bias, yRow);
                    if (Function != ActivationFunction.Linear)
                        ActivationKernels.Forward(Function, yRow, yRow, Columns);
                }
                else
                {
                    ActivationKernels.Forward(Function, zRow, yRow, Columns);
                }
            }
        }
    }

    private sealed class ColumnSumTask : ParallelTask
    {
        public float[]? X, Sums;
        public int Rows, Columns;
        public bool Accumulate;

        [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
        public override void Execute(int index)
        {
            int c0 = index * ColumnsPerItem, width = Math.Min(ColumnsPerItem, Columns - c0);
            Span<float> acc = stackalloc float[ColumnsPerItem];
            acc = acc[..width];
            fixed (float* x = X, sums = acc)
            {
                float* first = x + c0;
                switch (InstructionSets.Current)
                {
                    case InstructionSet.Avx512: SumRows<Vector512<float>, Simd512>(first, Rows, Columns, sums, width); break;
                    case InstructionSet.Avx2: SumRows<Vector256<float>, Simd256>(first, Rows, Columns, sums, width); break;
                    case InstructionSet.Portable: SumRows<Vector128<float>, Simd128>(first, Rows, Columns, sums, width); break;
                    default: SumRows<float, Simd1>(first, Rows, Columns, sums, width); break;
                }
            }
            var dst = Sums.AsSpan(c0, width);
            if (Accumulate) Add(dst, acc, dst);
            else acc.CopyTo(dst);
        }
    }

    // sums[c] = Σ x[r·stride + c] over r in order, from zero: two vectors of columns per pass over the rows, held in
    // registers (a call per row cost more than the adds).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumRows<TV, TOp>(float* x, int rows, int stride, float* sums, int width) where TV : struct where TOp : ISimd<TV>
    {
        int w = TOp.Width, c = 0;
        for (; c + 2 * w <= width; c += 2 * w)
        {
            TV a0 = TOp.Zero, a1 = a0;
            float* p = x + c;
            for (int r = 0; r < rows; r++, p += stride)
            {
                a0 = TOp.Add(a0, TOp.Load(p));
                a1 = TOp.Add(a1, TOp.Load(p + w));
            }
            TOp.Store(sums + c, a0);
            TOp.Store(sums + c + w, a1);
        }
        for (; c + w <= width; c += w)
        {
            TV a0 = TOp.Zero;
            float* p = x + c;
            for (int r = 0; r < rows; r++, p += stride) a0 = TOp.Add(a0, TOp.Load(p));
            TOp.Store(sums + c, a0);
        }
        for (; c < width; c++)
        {
            float a = 0f;
            float* p = x + c;
            for (int r = 0; r < rows; r++, p += stride) a += *p;
            sums[c] = a;
        }
    }

    /// <summary>z = x + y, vectorised on the current instruction-set path.</summary>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => ElementWise.Map<AddOperator>(x, y, z);

    /// <summary>z = x − y, vectorised on the current instruction-set path.</summary>
    public static void Subtract(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => ElementWise.Map<SubtractOperator>(x, y, z);

    /// <summary>z = x · y, vectorised on the current instruction-set path.</summary>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => ElementWise.Map<MultiplyOperator>(x, y, z);

    /// <summary>z += x · y, vectorised on the current instruction-set path.</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => ElementWise.Map<MultiplyAddOperator>(x, y, z);

    /// <summary>z = max(x, y), vectorised on the current instruction-set path.</summary>
    public static void Maximum(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => ElementWise.Map<MaximumOperator>(x, y, z);
}
