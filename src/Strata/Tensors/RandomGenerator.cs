namespace Strata.Tensors;

/// <summary>
/// Seeded random numbers. The sequential generator (xoshiro256**) draws initial weights and
/// shuffles; the counter-based <see cref="Uniform(ulong, ulong)"/> gives the value for a given
/// (key, index) pair directly, so masks can be filled in parallel and still come out the same
/// for every thread count.
/// </summary>
public sealed class RandomGenerator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareGaussian;

    /// <summary>
    /// A generator whose state is expanded from <paramref name="seed"/> with SplitMix64; the same seed gives the
    /// same sequence.
    /// </summary>
    public RandomGenerator(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>The generator's whole state (four state words, a held-back Gaussian flag and value), for checkpoints.</summary>
    public ulong[] GetState() =>
        [_s0, _s1, _s2, _s3, _spareGaussian is null ? 0UL : 1UL, BitConverter.DoubleToUInt64Bits(_spareGaussian ?? 0)];

    /// <summary>Continues exactly where the generator that gave <paramref name="state"/> was.</summary>
    public void SetState(IReadOnlyList<ulong> state)
    {
        if (state.Count != 6 || (state[0] | state[1] | state[2] | state[3]) == 0)
            throw new StrataException("A random generator state has six words and a non-zero state.");
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
        _spareGaussian = state[4] == 0 ? null : BitConverter.UInt64BitsToDouble(state[5]);
    }

    /// <summary>The next 64 random bits of the xoshiro256** sequence.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, bound), without modulo bias.</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0) throw new StrataException($"Expected a positive bound. Received: bound={bound}");
        ulong limit = ulong.MaxValue - ulong.MaxValue % (ulong)bound;
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return (int)(r % (ulong)bound);
    }

    /// <summary>Standard normal by the Box–Muller transform.</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is double spare)
        {
            _spareGaussian = null;
            return spare;
        }
        double u1, u2;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = radius * Math.Sin(2 * Math.PI * u2);
        return radius * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Fisher–Yates shuffle of <paramref name="values"/> in place.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>A new seed drawn from this generator, for a component that needs its own stream.</summary>
    public ulong NextSeed() => NextUInt64();

    /// <summary>Counter-based uniform in [0, 1) for (key, index), 24 random bits like a float mantissa.</summary>
    public static float Uniform(ulong key, ulong index)
    {
        ulong z = key + index * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 40) * (1.0f / (1 << 24));
    }

    /// <summary>Mixes a seed and a step counter into one key for <see cref="Uniform(ulong, ulong)"/>.</summary>
    public static ulong Key(ulong seed, ulong step)
    {
        ulong x = seed ^ (step * 0xD1B54A32D192ED03UL);
        return SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
