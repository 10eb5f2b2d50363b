using System.Runtime.CompilerServices;
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

        public override void Execute(int index)
        {
            int c0 = index * ColumnsPerItem, width = Math.Min(ColumnsPerItem, Columns - c0);
            Span<float> acc = stackalloc float[ColumnsPerItem];
            acc = acc[..width];
            acc.Clear();
            for (int r = 0; r < Rows; r++)
                Add(acc, X.AsSpan(r * Columns + c0, width), acc);
            var dst = Sums.AsSpan(c0, width);
            if (Accumulate) Add(dst, acc, dst);
            else acc.CopyTo(dst);
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
