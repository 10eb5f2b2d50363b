using System.Collections.ObjectModel;

namespace Strata.Autodiff;

/// <summary>
/// How a batch-normalization node computes and updates its statistics; see <see cref="Ops.BatchNormalization"/>.
/// </summary>
public sealed record BatchNormOptions
{
    private readonly int[] _axes = [];
    private readonly ReadOnlyCollection<int> _axesView = ReadOnlyCollection<int>.Empty;

    /// <summary>
    /// The feature axes (Keras's <c>axis</c>, kept: one statistic per position along them), non-negative
    /// and ascending. Copied when set, so later changes to the caller's array do not reach the options.
    /// </summary>
    public required IReadOnlyList<int> Axes
    {
        get => _axesView;
        init
        {
            _axes = [.. value];
            _axesView = Array.AsReadOnly(_axes);
        }
    }

    /// <summary>The same axes as an array for the kernels that index them; never handed out publicly.</summary>
    internal int[] AxisArray => _axes;

    /// <summary>Keras convention: moving = moving·momentum + batch·(1 − momentum).</summary>
    public float Momentum { get; init; } = 0.99f;

    /// <summary>Added to the variance before its square root, so a constant feature does not divide by zero.</summary>
    public float Epsilon { get; init; } = 1e-3f;

    /// <summary>Cumulative moving average (PyTorch's momentum=None): moving += (batch − moving)/(updates + 1).</summary>
    public bool Cumulative { get; init; }

    /// <summary>Moves the moving variance toward the unbiased batch variance (n/(n − 1) times the biased one), as PyTorch does.</summary>
    public bool UnbiasedMovingVariance { get; init; }

    /// <summary>Ghost batch size: consecutive groups of this many samples are normalized separately; 0 for off.</summary>
    public int VirtualBatchSize { get; init; }

    /// <summary>
    /// Whether training statistics are those of the global batch shared among the graph's ranks
    /// (<see cref="Graph.Communicator"/>): Keras's <c>synchronized</c>, PyTorch's SyncBatchNorm. Each rank's
    /// count, mean and squared deviations are merged, and backward sums the two per-channel sums the input
    /// gradient needs over the ranks; γ and β get each rank's own part, summed with the other gradients.
    /// </summary>
    public bool Synchronized { get; init; }

    /// <summary>Batch renormalization (Ioffe 2017) with its moving averages' momentum and clipping of r and d.</summary>
    public bool Renorm { get; init; }

    /// <summary>Momentum of renormalization's own moving mean and standard deviation (Keras's <c>renorm_momentum</c>).</summary>
    public float RenormMomentum { get; init; } = 0.99f;

    /// <summary>Lower clip of the correction r = σ_batch/σ_moving; null for unclipped (Keras's <c>renorm_clipping["rmin"]</c>).</summary>
    public float? RenormRMin { get; init; }

    /// <summary>Upper clip of the correction r = σ_batch/σ_moving; null for unclipped (Keras's <c>renorm_clipping["rmax"]</c>).</summary>
    public float? RenormRMax { get; init; }

    /// <summary>Clip of the shift d = (μ_batch − μ_moving)/σ_moving to [−dmax, dmax]; null for unclipped (Keras's <c>renorm_clipping["dmax"]</c>).</summary>
    public float? RenormDMax { get; init; }
}
