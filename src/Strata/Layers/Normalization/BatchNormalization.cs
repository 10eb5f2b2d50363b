using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Normalization;

/// <summary>Where BatchNormalization's moving statistics come from.</summary>
public enum MovingStatistics
{
    /// <summary>An exponential moving average (Keras; PyTorch's default).</summary>
    Ema,

    /// <summary>The plain average of all batches (PyTorch's momentum=None).</summary>
    Cumulative,
}

/// <summary>The arguments of <see cref="BatchNormalization"/>, with Keras's defaults.</summary>
[KerasUnsupported("adjustment")]
public sealed record BatchNormalizationConfig : LayerConfig
{
    /// <summary>The feature axis or axes (negative counts from the end): one statistic per position along them.</summary>
    [KerasIntOrList] public IReadOnlyList<int> Axis { get; init => field = ReadOnlyInts.Copy(value); } = [-1];

    /// <summary>moving = moving·momentum + batch·(1 − momentum).</summary>
    public double Momentum { get; init; } = 0.99;

    /// <summary>Added to the variance before its square root.</summary>
    public double Epsilon { get; init; } = 1e-3;

    /// <summary>gamma and beta.</summary>
    public ScaleAndCenter ScaleAndCenter { get; init; } = new();

    /// <summary>The moving mean's initial value.</summary>
    public Initializer MovingMeanInitializer { get; init; } = Initializer.Zeros();

    /// <summary>The moving variance's initial value.</summary>
    public Initializer MovingVarianceInitializer { get; init; } = Initializer.Ones();

    /// <summary>Batch Renormalization (Ioffe 2017).</summary>
    public bool Renorm { get; init; }

    /// <summary>Bounds on renormalization's r and d (renorm only); null leaves them free.</summary>
    public RenormClipping? RenormClipping { get; init; }

    /// <summary>The momentum of renormalization's moving mean and standard deviation.</summary>
    public double RenormMomentum { get; init; } = 0.99;

    /// <summary>Ghost batch size: consecutive groups of this many samples are normalized separately.</summary>
    public int? VirtualBatchSize { get; init; }

    /// <summary>Exponential (Keras) or cumulative (PyTorch's momentum=None) moving statistics.</summary>
    public MovingStatistics MovingStatistics { get; init; } = MovingStatistics.Ema;

    /// <summary>Move the moving variance toward the unbiased batch variance, as PyTorch does (Keras uses the biased one).</summary>
    public bool UnbiasedMovingVariance { get; init; }

    /// <summary>
    /// Whether a distributed fit normalizes with the statistics of the global batch, merged over the ranks
    /// (Keras 3's <c>synchronized</c>, PyTorch's SyncBatchNorm); false by default, when each rank normalizes
    /// with its own rows, as Keras and PyTorch do. One process is one rank either way.
    /// </summary>
    public bool Synchronized { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(Axis is { Count: > 0 }, "axis", "Expected at least one axis for argument 'axis'. Received: []");
        Require(Momentum is >= 0 and <= 1, "momentum", $"Expected momentum between 0 and 1. Received: momentum={Momentum}");
        Require(RenormMomentum is >= 0 and <= 1, "renorm_momentum", $"Expected renorm_momentum between 0 and 1. Received: renorm_momentum={RenormMomentum}");
        Require(Epsilon > 0, "epsilon", $"Expected a positive epsilon. Received: epsilon={Epsilon}");
        Require(VirtualBatchSize is null or > 0, "virtual_batch_size",
            $"virtual_batch_size must be a positive integer that divides the true batch size of the input tensor. Received: virtual_batch_size={VirtualBatchSize}");
        Require(RenormClipping is null || Renorm, "renorm_clipping", "renorm_clipping is given but renorm is off; set renorm=true to use it.");
    }
}

/// <summary>
/// Batch normalization (Ioffe and Szegedy 2015) with Keras's semantics and every Keras argument.
/// In training it normalizes by the batch mean and biased variance and updates
/// moving = moving·momentum + batch·(1 − momentum); at inference it uses the moving statistics.
/// Keras defaults: axis −1, momentum 0.99, epsilon 1e-3, center and scale on.
/// With <see cref="Layer.Trainable"/> false the layer always runs in inference mode, as in Keras.
/// <para>PyTorch's momentum is the other weight: momentum_keras = 1 − momentum_torch (torch's 0.1 is
/// Keras's 0.9; Keras's 0.99 is torch's 0.01); PyTorch's eps defaults to 1e-5. To reproduce
/// nn.BatchNorm1d exactly set <c>unbiased_moving_variance</c> (PyTorch moves the running variance
/// toward the unbiased batch variance) and, for momentum=None, <c>moving_statistics: "cumulative"</c>.</para>
/// <para>Beyond the basics: <c>renorm</c> (Batch Renormalization, Ioffe 2017, as tf.keras: renorm_mean
/// and renorm_stddev variables, <c>renorm_clipping</c> {rmin, rmax, dmax}, <c>renorm_momentum</c>),
/// <c>virtual_batch_size</c> (ghost batch normalization: consecutive groups of that many samples are
/// normalized separately, the moving statistics take the groups' average), and an axis list.</para>
/// </summary>
public sealed class BatchNormalization : Layer<BatchNormalizationConfig>, INormalizer, IMaskPassing
{
    private PopulationStatistics? _population;

    /// <summary>A BatchNormalization layer with Keras's defaults.</summary>
    public BatchNormalization() : this(new BatchNormalizationConfig()) { }

    /// <summary>A BatchNormalization layer with every argument given by <paramref name="config"/>.</summary>
    public BatchNormalization(BatchNormalizationConfig config) : base(config) { }

    /// <summary>True: training normalizes by the batch's statistics.</summary>
    public bool UsesBatchStatistics => true;

    /// <summary>The feature axis (the first of <see cref="Axes"/>).</summary>
    public int Axis => Config.Axis[0];

    /// <summary>The feature axes as given (negative counts from the end): one statistic per position along them.</summary>
    public IReadOnlyList<int> Axes => Config.Axis;

    /// <summary>The weight of the old value in each moving-statistics update.</summary>
    public double Momentum => Config.Momentum;

    /// <summary>Added to the variance before its square root.</summary>
    public double Epsilon => Config.Epsilon;

    /// <summary>The learned scale, one per position along the axes, once built (null without scale).</summary>
    public Variable? Gamma { get; private set; }

    /// <summary>The learned offset, one per position along the axes, once built (null without center).</summary>
    public Variable? Beta { get; private set; }

    /// <summary>The moving mean used at inference, once built.</summary>
    public Variable? MovingMean { get; private set; }

    /// <summary>The moving variance used at inference, once built.</summary>
    public Variable? MovingVariance { get; private set; }

    /// <summary>Batch renormalization's moving mean (renorm only).</summary>
    public Variable? RenormMean { get; private set; }

    /// <summary>Batch renormalization's moving standard deviation (renorm only).</summary>
    public Variable? RenormStddev { get; private set; }

    /// <summary>How many batches updated the moving statistics (cumulative averaging only; PyTorch's num_batches_tracked).</summary>
    public Variable? NumBatchesTracked { get; private set; }

    private int[] NormalizedAxes(int rank)
    {
        var axes = Config.Axis.Select(a => a < 0 ? a + rank : a).ToArray();
        Array.Sort(axes);
        return axes;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var axes = NormalizedAxes(inputShape.Length);
        foreach (int a in axes)
        {
            if (a < 1 || a >= inputShape.Length)
                throw new StrataException($"BatchNormalization layer '{Name}': axis {string.Join(", ", Axes)} is not a feature axis of input shape {ShapeOps.Format(inputShape)}.");
            if (inputShape[a] <= 0)
                throw new StrataException($"BatchNormalization layer '{Name}': axis {a} of input shape {ShapeOps.Format(inputShape)} must be known.");
        }
        if (axes.Distinct().Count() != axes.Length)
            throw new StrataException($"BatchNormalization layer '{Name}': duplicate axes in {string.Join(", ", Axes)}.");
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        var axes = NormalizedAxes(inputShape.Length);
        // One axis: shape [C]. Several: the input's rank with 1 on the other axes, as tf.keras.
        int[] shape = axes.Length == 1
            ? [inputShape[axes[0]]]
            : Enumerable.Range(0, inputShape.Length).Select(d => axes.Contains(d) ? inputShape[d] : 1).ToArray();
        (Gamma, Beta) = AddScaleAndCenter(Config.ScaleAndCenter, shape, random);
        MovingMean = AddVariable("moving_mean", shape, Config.MovingMeanInitializer, false, random);
        MovingVariance = AddVariable("moving_variance", shape, Config.MovingVarianceInitializer, false, random);
        if (Config.Renorm)
        {
            RenormMean = AddVariable("renorm_mean", shape, Initializer.Zeros(), false, random);
            RenormStddev = AddVariable("renorm_stddev", shape, Initializer.Ones(), false, random);
        }
        if (Config.MovingStatistics == MovingStatistics.Cumulative) NumBatchesTracked = AddVariable("num_batches_tracked", [], Initializer.Zeros(), false, random);
        _population = new PopulationStatistics(MovingMean.Value.Size);
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var variables = new BatchNormNodes(
            Gamma is null ? null : Parameter(input, Gamma),
            Beta is null ? null : Parameter(input, Beta),
            Parameter(input, MovingMean!), Parameter(input, MovingVariance!))
        {
            Updates = NumBatchesTracked is null ? null : Parameter(input, NumBatchesTracked),
            RenormMean = RenormMean is null ? null : Parameter(input, RenormMean),
            RenormStddev = RenormStddev is null ? null : Parameter(input, RenormStddev),
        };
        var options = new BatchNormOptions
        {
            Axes = NormalizedAxes(input.Shape.Length),
            Momentum = (float)Config.Momentum,
            Epsilon = (float)Config.Epsilon,
            Cumulative = Config.MovingStatistics == MovingStatistics.Cumulative,
            UnbiasedMovingVariance = Config.UnbiasedMovingVariance,
            VirtualBatchSize = Config.VirtualBatchSize ?? 0,
            Renorm = Config.Renorm,
            RenormMomentum = (float)Config.RenormMomentum,
            RenormRMin = (float?)Config.RenormClipping?.RMin,
            RenormRMax = (float?)Config.RenormClipping?.RMax,
            RenormDMax = (float?)Config.RenormClipping?.DMax,
            Synchronized = Config.Synchronized,
        };
        return Ops.BatchNormalization(input, variables, options, Trainable ? mode : mode.Frozen, _population);
    }

    /// <summary>How many values per channel the last recalibration used.</summary>
    internal long RecalibrationCount => _population?.Count ?? 0;

    /// <summary>Clears the population statistics collected by recalibration calls.</summary>
    internal void BeginRecalibration() => _population?.Reset();

    /// <summary>
    /// Replaces the moving statistics with the population statistics collected since
    /// <see cref="BeginRecalibration"/> (unbiased variance when the layer uses it); false if nothing was collected.
    /// </summary>
    internal bool FinishRecalibration()
    {
        if (_population is null || _population.Count == 0) return false;
        for (int c = 0; c < _population.Mean.Count; c++)
        {
            MovingMean!.Value.Data[c] = (float)_population.Mean[c];
            MovingVariance!.Value.Data[c] = (float)_population.Variance(c, Config.UnbiasedMovingVariance);
        }
        return true;
    }

    /// <inheritdoc/>
    // Per-step work keeps a step's mask valid only when the statistics run over the feature axis alone.
    public bool PassesMask => Config.Axis is [var axis] && (axis == -1 || (InputShape is { } shape && axis == shape.Count - 1));
}
