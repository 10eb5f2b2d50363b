using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Strata.Tensors;

namespace Strata.Kernels;

/// <summary>
/// y = f(x·W + b) for a few rows with W stored transposed ([outputs, inputs]): each output reads one
/// contiguous row of weights, so a batch-1 prediction streams the matrix once, front to back, and
/// bias and activation are applied to each block of outputs while it is in cache. Blocks of outputs
/// are shared among the threads; each output's sum has a fixed order (four vector accumulators, then
/// the tail), so the result does not depend on the thread count, only on the instruction-set path.
/// </summary>
internal static unsafe class Gemv
{
    private const int OutputsPerItem = 64;
    private const long InlineWork = 1 << 17;

    [ThreadStatic] private static GemvTask? _task;

    /// <summary>
    /// y[r, j] = f(Σ_p x[r, p]·weights[j, p] + bias[j]) for <paramref name="rows"/> rows; f works element by element.
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        int inputs, int outputs, Span<float> y, ActivationFunction f)
    {
        if (f is ActivationFunction.Softmax or ActivationFunction.LogSoftmax)
            throw new ArgumentException("The product's epilogue takes element-wise activations only.", nameof(f));
        if (x.Length < rows * inputs || weights.Length < inputs * outputs || bias.Length < outputs || y.Length < rows * outputs)
            throw new ArgumentException("Gemv operands are shorter than the shapes need.");
        fixed (float* px = x, pw = weights, pb = bias, py = y)
        {
            var task = _task ??= new GemvTask();
            task.X = px; task.W = pw; task.B = pb; task.Y = py;
            (task.Rows, task.Inputs, task.Outputs, task.Function, task.Isa) = (rows, inputs, outputs, f, InstructionSets.Current);
            int items = (outputs + OutputsPerItem - 1) / OutputsPerItem;
            // Waking another thread costs microseconds: a small product runs on the calling thread alone.
            if ((long)rows * inputs * outputs < InlineWork)
                for (int i = 0; i < items; i++) task.Execute(i);
            else
                WorkerPool.Run(task, items);
            task.X = task.W = task.B = task.Y = null;
        }
    }

    private sealed class GemvTask : ParallelTask
    {
        public float* X, W, B, Y;
        public int Rows, Inputs, Outputs;
        public ActivationFunction Function;
        public InstructionSet Isa;

        public override void Execute(int item)
        {
            int j0 = item * OutputsPerItem, count = Math.Min(OutputsPerItem, Outputs - j0);
            for (int r = 0; r < Rows; r++)
            {
                float* x = X + (long)r * Inputs, y = Y + (long)r * Outputs + j0;
                for (int j = 0; j < count; j++)
                {
                    float* w = W + (long)(j0 + j) * Inputs;
                    y[j] = Isa switch
                    {
                        InstructionSet.Avx512 => Dot<Vector512<float>, Simd512>(x, w, Inputs),
                        InstructionSet.Avx2 => Dot<Vector256<float>, Simd256>(x, w, Inputs),
                        InstructionSet.Portable => Dot<Vector128<float>, Simd128>(x, w, Inputs),
                        _ => Dot<float, Simd1>(x, w, Inputs),
                    } + B[j0 + j];
                }
                var block = new Span<float>(y, count);
                ActivationKernels.Forward(Function, block, block, count);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float Dot<TV, TOp>(float* a, float* b, int n) where TV : struct where TOp : ISimd<TV>
        {
            int w = TOp.Width, i = 0;
            TV s0 = TOp.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (; i + 4 * w <= n; i += 4 * w)
            {
                s0 = TOp.FusedMultiplyAdd(TOp.Load(a + i), TOp.Load(b + i), s0);
                s1 = TOp.FusedMultiplyAdd(TOp.Load(a + i + w), TOp.Load(b + i + w), s1);
                s2 = TOp.FusedMultiplyAdd(TOp.Load(a + i + 2 * w), TOp.Load(b + i + 2 * w), s2);
                s3 = TOp.FusedMultiplyAdd(TOp.Load(a + i + 3 * w), TOp.Load(b + i + 3 * w), s3);
            }
            for (; i + w <= n; i += w) s0 = TOp.FusedMultiplyAdd(TOp.Load(a + i), TOp.Load(b + i), s0);
            float sum = TOp.Sum(TOp.Add(TOp.Add(s0, s1), TOp.Add(s2, s3)));
            for (; i < n; i++) sum = MathF.FusedMultiplyAdd(a[i], b[i], sum);
            return sum;
        }
    }
}
