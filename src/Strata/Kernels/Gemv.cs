using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int item)
        {
            int j0 = item * OutputsPerItem, count = Math.Min(OutputsPerItem, Outputs - j0);
            for (int r = 0; r < Rows; r++)
            {
                float* x = X + (long)r * Inputs, y = Y + (long)r * Outputs + j0, w = W + (long)j0 * Inputs;
                switch (Isa)
                {
                    case InstructionSet.Avx512: Outputs4<Vector512<float>, Simd512>(x, w, Inputs, y, count); break;
                    case InstructionSet.Avx2: Outputs2<Vector256<float>, Simd256>(x, w, Inputs, y, count); break;
                    case InstructionSet.Portable: Outputs2<Vector128<float>, Simd128>(x, w, Inputs, y, count); break;
                    default:
                        for (int j = 0; j < count; j++) y[j] = Dot<float, Simd1>(x, w + (long)j * Inputs, Inputs);
                        break;
                }
                for (int j = 0; j < count; j++) y[j] += B[j0 + j];
                var block = new Span<float>(y, count);
                ActivationKernels.Forward(Function, block, block, count);
            }
        }

        // Four outputs at a time: x is read once for four weight rows, four pages stream at once, and
        // the next four rows are prefetched while these are summed (a new page defeats the hardware prefetcher).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Outputs4<TV, TOp>(float* x, float* w, int n, float* y, int count) where TV : struct where TOp : ISimd<TV>
        {
            int j = 0;
            for (; j + 4 <= count; j += 4)
                Dot4<TV, TOp>(x, w + (long)j * n, n, y + j, j + 8 <= count);
            for (; j < count; j++) y[j] = Dot<TV, TOp>(x, w + (long)j * n, n);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Outputs2<TV, TOp>(float* x, float* w, int n, float* y, int count) where TV : struct where TOp : ISimd<TV>
        {
            int j = 0;
            for (; j + 2 <= count; j += 2)
                Dot2<TV, TOp>(x, w + (long)j * n, n, y + j, j + 4 <= count);
            for (; j < count; j++) y[j] = Dot<TV, TOp>(x, w + (long)j * n, n);
        }

        // Each of the four sums in Dot's order (four vector accumulators, then single vectors, then the tail).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot4<TV, TOp>(float* a, float* b, int n, float* y, bool prefetch) where TV : struct where TOp : ISimd<TV>
        {
            int w = TOp.Width, i = 0;
            float* c = b + n, d = c + n, e = d + n, next = b + 4L * n;
            TV s0 = TOp.Zero, s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
            TV u0 = s0, u1 = s0, u2 = s0, u3 = s0, v0 = s0, v1 = s0, v2 = s0, v3 = s0;
            for (; i + 4 * w <= n; i += 4 * w)
            {
                // The next rows' 16w floats, one cache line (16 floats) at a time.
                if (Sse.IsSupported && prefetch)
                    for (int q = 0; q < 16 * w; q += 16) Sse.Prefetch0(next + 4 * i + q);
                TV x0 = TOp.Load(a + i), x1 = TOp.Load(a + i + w), x2 = TOp.Load(a + i + 2 * w), x3 = TOp.Load(a + i + 3 * w);
                s0 = TOp.FusedMultiplyAdd(x0, TOp.Load(b + i), s0);
                t0 = TOp.FusedMultiplyAdd(x0, TOp.Load(c + i), t0);
                u0 = TOp.FusedMultiplyAdd(x0, TOp.Load(d + i), u0);
                v0 = TOp.FusedMultiplyAdd(x0, TOp.Load(e + i), v0);
                s1 = TOp.FusedMultiplyAdd(x1, TOp.Load(b + i + w), s1);
                t1 = TOp.FusedMultiplyAdd(x1, TOp.Load(c + i + w), t1);
                u1 = TOp.FusedMultiplyAdd(x1, TOp.Load(d + i + w), u1);
                v1 = TOp.FusedMultiplyAdd(x1, TOp.Load(e + i + w), v1);
                s2 = TOp.FusedMultiplyAdd(x2, TOp.Load(b + i + 2 * w), s2);
                t2 = TOp.FusedMultiplyAdd(x2, TOp.Load(c + i + 2 * w), t2);
                u2 = TOp.FusedMultiplyAdd(x2, TOp.Load(d + i + 2 * w), u2);
                v2 = TOp.FusedMultiplyAdd(x2, TOp.Load(e + i + 2 * w), v2);
                s3 = TOp.FusedMultiplyAdd(x3, TOp.Load(b + i + 3 * w), s3);
                t3 = TOp.FusedMultiplyAdd(x3, TOp.Load(c + i + 3 * w), t3);
                u3 = TOp.FusedMultiplyAdd(x3, TOp.Load(d + i + 3 * w), u3);
                v3 = TOp.FusedMultiplyAdd(x3, TOp.Load(e + i + 3 * w), v3);
            }
            for (; i + w <= n; i += w)
            {
                var xi = TOp.Load(a + i);
                s0 = TOp.FusedMultiplyAdd(xi, TOp.Load(b + i), s0);
                t0 = TOp.FusedMultiplyAdd(xi, TOp.Load(c + i), t0);
                u0 = TOp.FusedMultiplyAdd(xi, TOp.Load(d + i), u0);
                v0 = TOp.FusedMultiplyAdd(xi, TOp.Load(e + i), v0);
            }
            y[0] = Tail(a, b, i, n, TOp.Sum(TOp.Add(TOp.Add(s0, s1), TOp.Add(s2, s3))));
            y[1] = Tail(a, c, i, n, TOp.Sum(TOp.Add(TOp.Add(t0, t1), TOp.Add(t2, t3))));
            y[2] = Tail(a, d, i, n, TOp.Sum(TOp.Add(TOp.Add(u0, u1), TOp.Add(u2, u3))));
            y[3] = Tail(a, e, i, n, TOp.Sum(TOp.Add(TOp.Add(v0, v1), TOp.Add(v2, v3))));
        }

        // Two sums at a time in Dot's order: eight accumulators and four x vectors fit sixteen registers.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot2<TV, TOp>(float* a, float* b, int n, float* y, bool prefetch) where TV : struct where TOp : ISimd<TV>
        {
            int w = TOp.Width, i = 0;
            float* c = b + n, next = b + 2L * n;
            TV s0 = TOp.Zero, s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
            for (; i + 4 * w <= n; i += 4 * w)
            {
                if (Sse.IsSupported && prefetch)
                    for (int q = 0; q < 8 * w; q += 16) Sse.Prefetch0(next + 2 * i + q);
                TV x0 = TOp.Load(a + i), x1 = TOp.Load(a + i + w), x2 = TOp.Load(a + i + 2 * w), x3 = TOp.Load(a + i + 3 * w);
                s0 = TOp.FusedMultiplyAdd(x0, TOp.Load(b + i), s0);
                t0 = TOp.FusedMultiplyAdd(x0, TOp.Load(c + i), t0);
                s1 = TOp.FusedMultiplyAdd(x1, TOp.Load(b + i + w), s1);
                t1 = TOp.FusedMultiplyAdd(x1, TOp.Load(c + i + w), t1);
                s2 = TOp.FusedMultiplyAdd(x2, TOp.Load(b + i + 2 * w), s2);
                t2 = TOp.FusedMultiplyAdd(x2, TOp.Load(c + i + 2 * w), t2);
                s3 = TOp.FusedMultiplyAdd(x3, TOp.Load(b + i + 3 * w), s3);
                t3 = TOp.FusedMultiplyAdd(x3, TOp.Load(c + i + 3 * w), t3);
            }
            for (; i + w <= n; i += w)
            {
                var xi = TOp.Load(a + i);
                s0 = TOp.FusedMultiplyAdd(xi, TOp.Load(b + i), s0);
                t0 = TOp.FusedMultiplyAdd(xi, TOp.Load(c + i), t0);
            }
            y[0] = Tail(a, b, i, n, TOp.Sum(TOp.Add(TOp.Add(s0, s1), TOp.Add(s2, s3))));
            y[1] = Tail(a, c, i, n, TOp.Sum(TOp.Add(TOp.Add(t0, t1), TOp.Add(t2, t3))));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Tail(float* a, float* b, int i, int n, float sum)
        {
            for (; i < n; i++) sum = MathF.FusedMultiplyAdd(a[i], b[i], sum);
            return sum;
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
            return Tail(a, b, i, n, TOp.Sum(TOp.Add(TOp.Add(s0, s1), TOp.Add(s2, s3))));
        }
    }
}
