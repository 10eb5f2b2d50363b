namespace Strata.Autodiff;

/// <summary>
/// How a batch-normalization node computes and updates its statistics; see <see cref="Ops.BatchNormalization"/>.
/// </summary>
public sealed record BatchNormOptions
{
    /// <summary>The feature axes (kept, one statistic per position along them), non-negative and ascending.</summary>
    public required int[] Axes { get; init; }

    /// <summary>Keras convention: moving = moving·momentum + batch·(1 − momentum).</summary>
    public float Momentum { get; init; } = 0.99f;

    public float Epsilon { get; init; } = 1e-3f;

    /// <summary>Cumulative moving average (PyTorch's momentum=None): moving += (batch − moving)/(updates + 1).</summary>
    public bool Cumulative { get; init; }

    /// <summary>Moves the moving variance toward the unbiased batch variance (n/(n − 1) times the biased one), as PyTorch does.</summary>
    public bool UnbiasedMovingVariance { get; init; }

    /// <summary>Ghost batch size: consecutive groups of this many samples are normalized separately; 0 for off.</summary>
    public int VirtualBatchSize { get; init; }

    /// <summary>Batch renormalization (Ioffe 2017) with its moving averages' momentum and clipping of r and d.</summary>
    public bool Renorm { get; init; }

    public float RenormMomentum { get; init; } = 0.99f;

    public float? RenormRMin { get; init; }

    public float? RenormRMax { get; init; }

    public float? RenormDMax { get; init; }
}
