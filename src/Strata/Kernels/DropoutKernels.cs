using Strata.Tensors;

namespace Strata.Kernels;

/// <summary>
/// Dropout masks from the counter-based generator, in parallel chunks: element i's draw depends
/// only on (key, i), so the mask is the same for any thread count. The product with x is formed in
/// the same pass while the chunk is in cache.
/// </summary>
internal static class DropoutKernels
{
    private const int Chunk = 8192;

    [ThreadStatic] private static MaskTask? _task;

    /// <summary>mask[i] = keepScale where Uniform(key, i) ≥ rate, else 0; and y = x·mask when x and y are given.</summary>
    public static void Forward(ulong key, float rate, float keepScale, float[] mask, float[]? x, float[]? y)
    {
        var t = _task ??= new MaskTask();
        (t.Key, t.Rate, t.KeepScale, t.Mask, t.X, t.Y) = (key, rate, keepScale, mask, x, y);
        WorkerPool.Run(t, (mask.Length + Chunk - 1) / Chunk);
        (t.Mask, t.X, t.Y) = (null, null, null);
    }

    private sealed class MaskTask : ParallelTask
    {
        public ulong Key;
        public float Rate, KeepScale;
        public float[]? Mask, X, Y;

        public override void Execute(int chunk)
        {
            int start = chunk * Chunk, end = Math.Min(Mask!.Length, start + Chunk);
            var mask = Mask;
            for (int i = start; i < end; i++)
                mask[i] = RandomGenerator.Uniform(Key, (ulong)i) >= Rate ? KeepScale : 0f;
            if (X is not null)
                RowKernels.Multiply(X.AsSpan(start, end - start), mask.AsSpan(start, end - start), Y.AsSpan(start, end - start));
        }
    }
}
