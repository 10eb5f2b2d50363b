using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Strata.Tensors;

namespace Strata.Kernels;

/// <summary>
/// Dropout masks from the counter-based generator, in parallel chunks: element i's draw depends
/// only on (key, i), so the mask is the same for any thread count. The product with x is formed in
/// the same pass while the chunk is in cache. The generator's mixing is integer arithmetic, done on
/// 8, 4 or 2 lanes at a time as the instruction-set path allows and compared with the rate as an
/// integer threshold without a branch: every path draws exactly <see cref="RandomGenerator.Uniform"/>'s mask.
/// </summary>
internal static class DropoutKernels
{
    private const int Chunk = 8192;

    [ThreadStatic] private static MaskTask? _task;

    /// <summary>mask[i] = keepScale where Uniform(key, first + i) ≥ rate, else 0; and y = x·mask when x and y are given.</summary>
    public static void Forward(ulong key, float rate, float keepScale, float[] mask, float[]? x, float[]? y, ulong first = 0)
    {
        var t = _task ??= new MaskTask();
        (t.Key, t.Rate, t.KeepScale, t.Mask, t.X, t.Y, t.First) = (key, rate, keepScale, mask, x, y, first);
        WorkerPool.Run(t, (mask.Length + Chunk - 1) / Chunk);
        (t.Mask, t.X, t.Y) = (null, null, null);
    }

    private sealed class MaskTask : ParallelTask
    {
        public ulong Key, First;
        public float Rate, KeepScale;
        public float[]? Mask, X, Y;

        public override void Execute(int chunk)
        {
            int start = chunk * Chunk, end = Math.Min(Mask!.Length, start + Chunk);
            var mask = Mask.AsSpan(start, end - start);
            Fill(Key, Rate, KeepScale, First + (ulong)start, mask);
            if (X is not null)
                RowKernels.Multiply(X.AsSpan(start, end - start), mask, Y.AsSpan(start, end - start));
        }
    }

    // Uniform(key, i) = (h(i) >> 40)·2⁻²⁴ ≥ rate exactly when h(i) >> 40 ≥ ⌈rate·2²⁴⌉: both sides are exact.
    private static ulong Threshold(float rate) => (ulong)Math.Ceiling(rate * (double)(1 << 24));

    /// <summary>mask[j] = keepScale where Uniform(key, first + j) ≥ rate, else 0.</summary>
    internal static void Fill(ulong key, float rate, float keepScale, ulong first, Span<float> mask)
    {
        ulong threshold = Threshold(rate);
        uint keepBits = BitConverter.SingleToUInt32Bits(keepScale);
        int j = InstructionSets.Current switch
        {
            InstructionSet.Avx512 when Avx512DQ.IsSupported => Fill512(key, threshold, keepBits, first, mask),
            InstructionSet.Avx512 or InstructionSet.Avx2 => Fill256(key, threshold, keepBits, first, mask),
            InstructionSet.Portable => Fill128(key, threshold, keepBits, first, mask),
            _ => 0,
        };
        for (; j < mask.Length; j++)
            mask[j] = Hash(key, first + (ulong)j) >> 40 >= threshold ? keepScale : 0f;
    }

    private static ulong Hash(ulong key, ulong index)
    {
        ulong z = key + index * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static int Fill512(ulong key, ulong threshold, uint keepBits, ulong first, Span<float> mask)
    {
        var lanes = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7) + Vector512.Create(first);
        var keep = Vector512.Create((ulong)keepBits);
        int j = 0;
        for (; j + 16 <= mask.Length; j += 16, lanes += Vector512.Create(16UL))
        {
            var low = Keep512(key, lanes, threshold) & keep;
            var high = Keep512(key, lanes + Vector512.Create(8UL), threshold) & keep;
            Vector512.Narrow(low, high).AsSingle().CopyTo(mask.Slice(j, 16));
        }
        return j;
    }

    // All ones where the lane's draw is kept.
    private static Vector512<ulong> Keep512(ulong key, Vector512<ulong> index, ulong threshold)
    {
        var z = Vector512.Create(key) + index * Vector512.Create(0x9E3779B97F4A7C15UL);
        z = (z ^ (z >>> 30)) * Vector512.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ (z >>> 27)) * Vector512.Create(0x94D049BB133111EBUL);
        z ^= z >>> 31;
        return Vector512.GreaterThanOrEqual(z >>> 40, Vector512.Create(threshold));
    }

    private static int Fill256(ulong key, ulong threshold, uint keepBits, ulong first, Span<float> mask)
    {
        var lanes = Vector256.Create(0UL, 1, 2, 3) + Vector256.Create(first);
        var keep = Vector256.Create((ulong)keepBits);
        int j = 0;
        for (; j + 8 <= mask.Length; j += 8, lanes += Vector256.Create(8UL))
        {
            var low = Keep256(key, lanes, threshold) & keep;
            var high = Keep256(key, lanes + Vector256.Create(4UL), threshold) & keep;
            Vector256.Narrow(low, high).AsSingle().CopyTo(mask.Slice(j, 8));
        }
        return j;
    }

    // All ones where the lane's draw is kept.
    private static Vector256<ulong> Keep256(ulong key, Vector256<ulong> index, ulong threshold)
    {
        var z = Vector256.Create(key) + index * Vector256.Create(0x9E3779B97F4A7C15UL);
        z = (z ^ (z >>> 30)) * Vector256.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ (z >>> 27)) * Vector256.Create(0x94D049BB133111EBUL);
        z ^= z >>> 31;
        return Vector256.GreaterThanOrEqual(z >>> 40, Vector256.Create(threshold));
    }

    private static int Fill128(ulong key, ulong threshold, uint keepBits, ulong first, Span<float> mask)
    {
        var lanes = Vector128.Create(0UL, 1) + Vector128.Create(first);
        var keep = Vector128.Create((ulong)keepBits);
        int j = 0;
        for (; j + 4 <= mask.Length; j += 4, lanes += Vector128.Create(4UL))
        {
            var low = Keep128(key, lanes, threshold) & keep;
            var high = Keep128(key, lanes + Vector128.Create(2UL), threshold) & keep;
            Vector128.Narrow(low, high).AsSingle().CopyTo(mask.Slice(j, 4));
        }
        return j;
    }

    // All ones where the lane's draw is kept.
    private static Vector128<ulong> Keep128(ulong key, Vector128<ulong> index, ulong threshold)
    {
        var z = Vector128.Create(key) + index * Vector128.Create(0x9E3779B97F4A7C15UL);
        z = (z ^ (z >>> 30)) * Vector128.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ (z >>> 27)) * Vector128.Create(0x94D049BB133111EBUL);
        z ^= z >>> 31;
        return Vector128.GreaterThanOrEqual(z >>> 40, Vector128.Create(threshold));
    }
}
