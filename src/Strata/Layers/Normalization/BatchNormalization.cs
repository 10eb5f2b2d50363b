using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers.Constraints;
using Strata.Layers.Regularizers;
using Strata.Tensors;

namespace Strata.Layers.Normalization;

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
public sealed class BatchNormalization : Layer
{
    private PopulationStatistics? _population;

    public BatchNormalization(int axis = -1, double momentum = 0.99, double epsilon = 1e-3,
        bool center = true, bool scale = true,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Initializer? movingMeanInitializer = null, Initializer? movingVarianceInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        Constraint? betaConstraint = null, Constraint? gammaConstraint = null,
        bool renorm = false, RenormClipping? renormClipping = null, double renormMomentum = 0.99,
        int? virtualBatchSize = null, string movingStatistics = "ema", bool unbiasedMovingVariance = false,
        int[]? axes = null, string? name = null) : base(name)
    {
        if (!(momentum >= 0 && momentum <= 1))
            throw new StrataException($"Expected momentum between 0 and 1. Received: momentum={momentum}");
        if (!(renormMomentum >= 0 && renormMomentum <= 1))
            throw new StrataException($"Expected renorm_momentum between 0 and 1. Received: renorm_momentum={renormMomentum}");
        if (!(epsilon > 0))
            throw new StrataException($"Expected a positive epsilon. Received: epsilon={epsilon}");
        if (virtualBatchSize is <= 0)
            throw new StrataException($"virtual_batch_size must be a positive integer that divides the true batch size of the input tensor. Received: virtual_batch_size={virtualBatchSize}");
        if (movingStatistics is not ("ema" or "cumulative"))
            throw new StrataException($"Expected moving_statistics \"ema\" or \"cumulative\". Received: moving_statistics={movingStatistics}");
        if (renormClipping is not null && !renorm)
            throw new StrataException("renorm_clipping is given but renorm is off; set renorm=true to use it.");
        Axes = axes is { Length: > 0 } ? (int[])axes.Clone() : [axis];
        Momentum = momentum;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = betaInitializer ?? Initializer.Zeros();
        GammaInitializer = gammaInitializer ?? Initializer.Ones();
        MovingMeanInitializer = movingMeanInitializer ?? Initializer.Zeros();
        MovingVarianceInitializer = movingVarianceInitializer ?? Initializer.Ones();
        BetaRegularizer = betaRegularizer;
        GammaRegularizer = gammaRegularizer;
        BetaConstraint = betaConstraint;
        GammaConstraint = gammaConstraint;
        Renorm = renorm;
        RenormClipping = renormClipping ?? new RenormClipping();
        RenormMomentum = renormMomentum;
        VirtualBatchSize = virtualBatchSize;
        MovingStatistics = movingStatistics;
        UnbiasedMovingVariance = unbiasedMovingVariance;
    }

    public override string ClassName => "BatchNormalization";

    /// <summary>The feature axis (the first of <see cref="Axes"/>).</summary>
    public int Axis => Axes[0];

    /// <summary>The feature axes as given (negative counts from the end): one statistic per position along them.</summary>
    public int[] Axes { get; }

    public double Momentum { get; }

    public double Epsilon { get; }

    public bool Center { get; }

    public bool Scale { get; }

    public Initializer BetaInitializer { get; }

    public Initializer GammaInitializer { get; }

    public Initializer MovingMeanInitializer { get; }

    public Initializer MovingVarianceInitializer { get; }

    public Regularizer? BetaRegularizer { get; }

    public Regularizer? GammaRegularizer { get; }

    public Constraint? BetaConstraint { get; }

    public Constraint? GammaConstraint { get; }

    public bool Renorm { get; }

    public RenormClipping RenormClipping { get; }

    public double RenormMomentum { get; }

    public int? VirtualBatchSize { get; }

    /// <summary>"ema" (Keras, PyTorch's default) or "cumulative" (PyTorch's momentum=None: the plain average of all batches).</summary>
    public string MovingStatistics { get; }

    /// <summary>Move the moving variance toward the unbiased batch variance, as PyTorch does (Keras uses the biased one).</summary>
    public bool UnbiasedMovingVariance { get; }

    public Variable? Gamma { get; private set; }

    public Variable? Beta { get; private set; }

    public Variable? MovingMean { get; private set; }

    public Variable? MovingVariance { get; private set; }

    /// <summary>Batch renormalization's moving mean and standard deviation (renorm only).</summary>
    public Variable? RenormMean { get; private set; }

    public Variable? RenormStddev { get; private set; }

    /// <summary>How many batches updated the moving statistics (cumulative averaging only; PyTorch's num_batches_tracked).</summary>
    public Variable? NumBatchesTracked { get; private set; }

    private int[] NormalizedAxes(int rank)
    {
        var axes = Axes.Select(a => a < 0 ? a + rank : a).ToArray();
        Array.Sort(axes);
        return axes;
    }

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

    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        var axes = NormalizedAxes(inputShape.Length);
        // One axis: shape [C]. Several: the input's rank with 1 on the other axes, as tf.keras.
        int[] shape = axes.Length == 1
            ? [inputShape[axes[0]]]
            : Enumerable.Range(0, inputShape.Length).Select(d => axes.Contains(d) ? inputShape[d] : 1).ToArray();
        if (Scale) Gamma = AddVariable("gamma", shape, GammaInitializer, true, random, GammaRegularizer, GammaConstraint);
        if (Center) Beta = AddVariable("beta", shape, BetaInitializer, true, random, BetaRegularizer, BetaConstraint);
        MovingMean = AddVariable("moving_mean", shape, MovingMeanInitializer, false, random);
        MovingVariance = AddVariable("moving_variance", shape, MovingVarianceInitializer, false, random);
        if (Renorm)
        {
            RenormMean = AddVariable("renorm_mean", shape, Initializer.Zeros(), false, random);
            RenormStddev = AddVariable("renorm_stddev", shape, Initializer.Ones(), false, random);
        }
        if (MovingStatistics == "cumulative") NumBatchesTracked = AddVariable("num_batches_tracked", [], Initializer.Zeros(), false, random);
        _population = new PopulationStatistics(MovingMean.Value.Size);
    }

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
            Momentum = (float)Momentum,
            Epsilon = (float)Epsilon,
            Cumulative = MovingStatistics == "cumulative",
            UnbiasedMovingVariance = UnbiasedMovingVariance,
            VirtualBatchSize = VirtualBatchSize ?? 0,
            Renorm = Renorm,
            RenormMomentum = (float)RenormMomentum,
            RenormRMin = (float?)RenormClipping.RMin,
            RenormRMax = (float?)RenormClipping.RMax,
            RenormDMax = (float?)RenormClipping.DMax,
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
        for (int c = 0; c < _population.Mean.Length; c++)
        {
            MovingMean!.Value.Data[c] = (float)_population.Mean[c];
            MovingVariance!.Value.Data[c] = (float)_population.Variance(c, UnbiasedMovingVariance);
        }
        return true;
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axes.Length == 1 ? JsonValue.Create(Axes[0]) : new JsonArray(Axes.Select(a => (JsonNode)a).ToArray());
        config["momentum"] = Momentum;
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        config["beta_initializer"] = BetaInitializer.ToConfig();
        config["gamma_initializer"] = GammaInitializer.ToConfig();
        config["moving_mean_initializer"] = MovingMeanInitializer.ToConfig();
        config["moving_variance_initializer"] = MovingVarianceInitializer.ToConfig();
        config["beta_regularizer"] = BetaRegularizer?.ToConfig();
        config["gamma_regularizer"] = GammaRegularizer?.ToConfig();
        config["beta_constraint"] = BetaConstraint?.ToConfig();
        config["gamma_constraint"] = GammaConstraint?.ToConfig();
        config["synchronized"] = false;
        config["renorm"] = Renorm;
        config["renorm_clipping"] = Renorm ? RenormClipping.ToConfig() : null;
        config["renorm_momentum"] = RenormMomentum;
        config["virtual_batch_size"] = VirtualBatchSize;
        config["moving_statistics"] = MovingStatistics;
        config["unbiased_moving_variance"] = UnbiasedMovingVariance;
        return config;
    }

    public static BatchNormalization FromConfig(ConfigReader c)
    {
        c.Unsupported("adjustment");
        int[] axes = c.Raw("axis") is JsonArray ? c.Shape("axis")! : [c.Int("axis", -1)];
        if (axes.Length == 0) throw new StrataException($"Expected at least one axis for {c.Where("axis")}. Received: []");
        bool renorm = c.Bool("renorm", false);
        return new BatchNormalization(axes[0], c.Double("momentum", 0.99), c.Double("epsilon", 1e-3),
            c.Bool("center", true), c.Bool("scale", true),
            c.Initializer("beta_initializer", Initializer.Zeros()), c.Initializer("gamma_initializer", Initializer.Ones()),
            c.Initializer("moving_mean_initializer", Initializer.Zeros()), c.Initializer("moving_variance_initializer", Initializer.Ones()),
            c.Regularizer("beta_regularizer"), c.Regularizer("gamma_regularizer"),
            c.Constraint("beta_constraint"), c.Constraint("gamma_constraint"),
            renorm, renorm ? RenormClipping.FromConfig(c.Raw("renorm_clipping"), c.Name) : null, c.Double("renorm_momentum", 0.99),
            c.OptionalInt("virtual_batch_size"), c.String("moving_statistics", "ema")!, c.Bool("unbiased_moving_variance", false),
            axes, c.Name);
    }
}
