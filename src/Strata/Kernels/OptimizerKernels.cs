using System.Runtime.Intrinsics;

namespace Strata.Kernels;

/// <summary>
/// Optimizer updates over a variable's values, in fixed chunks shared among the threads, each chunk on
/// whole vectors of the path's width and a scalar tail with the same arithmetic: every path and thread
/// count gives the same bits.
/// </summary>
internal static unsafe class OptimizerKernels
{
    private const int Chunk = 16384;

    [ThreadStatic] private static AdamTask? _adam;

    /// <summary>
    /// Adam's step: m += (g − m)(1 − β₁), v += (g² − v)(1 − β₂), w −= α·m / (√v + ε), α carrying the bias corrections.
    /// </summary>
    public static void Adam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float alpha, float oneMinusBeta1, float oneMinusBeta2, float epsilon)
    {
        if (g.Length < w.Length || m.Length < w.Length || v.Length < w.Length)
            throw new ArgumentException($"Adam's operands hold {w.Length}, {g.Length}, {m.Length} and {v.Length} values; all need the weights' count.");
        fixed (float* pw = w, pg = g, pm = m, pv = v)
        {
            var t = _adam ??= new AdamTask();
            t.W = pw; t.G = pg; t.M = pm; t.V = pv;
            (t.Length, t.Alpha, t.B1, t.B2, t.Epsilon, t.Isa) = (w.Length, alpha, oneMinusBeta1, oneMinusBeta2, epsilon, InstructionSets.Current);
            int chunks = (w.Length + Chunk - 1) / Chunk;
            if (chunks == 1) t.Execute(0);
            else WorkerPool.Run(t, chunks);
            t.W = t.G = t.M = t.V = null;
        }
    }

    private sealed class AdamTask : ParallelTask
    {
        public float* W, G, M, V;
        public int Length;
        public float Alpha, B1, B2, Epsilon;
        public InstructionSet Isa;

        public override void Execute(int chunk)
        {
            int start = chunk * Chunk, end = Math.Min(Length, start + Chunk);
            int i = Isa switch
            {
                InstructionSet.Avx512 => Vectors<Vector512<float>, Simd512>(start, end),
                InstructionSet.Avx2 => Vectors<Vector256<float>, Simd256>(start, end),
                InstructionSet.Portable => Vectors<Vector128<float>, Simd128>(start, end),
                _ => start,
            };
            for (; i < end; i++) Step<float, Simd1>(i);
        }

        private int Vectors<TV, TOp>(int start, int end) where TV : struct where TOp : ISimd<TV>
        {
            int i = start;
            for (; i + TOp.Width <= end; i += TOp.Width) Step<TV, TOp>(i);
            return i;
        }

        private void Step<TV, TOp>(int i) where TV : struct where TOp : ISimd<TV>
        {
            var g = TOp.Load(G + i);
            var m = TOp.Load(M + i);
            var v = TOp.Load(V + i);
            m = TOp.Add(m, TOp.Multiply(TOp.Subtract(g, m), TOp.Broadcast(B1)));
            v = TOp.Add(v, TOp.Multiply(TOp.Subtract(TOp.Multiply(g, g), v), TOp.Broadcast(B2)));
            TOp.Store(M + i, m);
            TOp.Store(V + i, v);
            var step = TOp.Divide(TOp.Multiply(TOp.Broadcast(Alpha), m), TOp.Add(TOp.Sqrt(v), TOp.Broadcast(Epsilon)));
            TOp.Store(W + i, TOp.Subtract(TOp.Load(W + i), step));
        }
    }
}
