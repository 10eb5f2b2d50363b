namespace Strata.Tensors;

/// <summary>
/// The random stream of one stochastic layer: a seed and a step count. Each training call takes
/// the next key, and every mask value is a pure function of (key, index), so masks are the same
/// for any thread count and a run can be resumed from (seed, step).
/// </summary>
public sealed class RandomStream
{
    /// <summary>A stream at step 0 of <paramref name="seed"/>.</summary>
    public RandomStream(ulong seed) => Seed = seed;

    /// <summary>The seed every key derives from: the layer's own seed, or one drawn from the model's generator when the layer is built.</summary>
    public ulong Seed { get; set; }

    /// <summary>How many keys have been taken; saved in checkpoints so a resumed run draws the same masks.</summary>
    public ulong Step { get; set; }

    /// <summary>The key for the next training call, advancing <see cref="Step"/>.</summary>
    public ulong NextKey() => RandomGenerator.Key(Seed, Step++);
}
