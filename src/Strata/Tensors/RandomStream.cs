namespace Strata.Tensors;

/// <summary>
/// The random stream of one stochastic layer: a seed and a step count. Each training call takes
/// the next key, and every mask value is a pure function of (key, index), so masks are the same
/// for any thread count and a run can be resumed from (seed, step).
/// </summary>
public sealed class RandomStream
{
    public RandomStream(ulong seed) => Seed = seed;

    public ulong Seed { get; set; }

    public ulong Step { get; set; }

    public ulong NextKey() => RandomGenerator.Key(Seed, Step++);
}
