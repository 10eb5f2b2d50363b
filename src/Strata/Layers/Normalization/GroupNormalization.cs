using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers.Constraints;
using Strata.Layers.Regularizers;
using Strata.Tensors;

namespace Strata.Layers.Normalization;

/// <summary>
/// Group normalization (Wu and He 2018): the channels on <c>axis</c> are split into <c>groups</c>
/// groups and each sample is normalized per group over the group's channels and all other axes;
/// gamma and beta are per channel. Independent of the batch size (a fit for small batches where
/// BatchNormalization's statistics are noisy); groups = 1 is layer normalization over all features,
/// groups = channels is instance normalization. Keras defaults: groups 32, axis −1, epsilon 1e-3.
/// PyTorch: nn.GroupNorm(num_groups, num_channels, eps = 1e-5) on channels-first data (axis 1).
/// </summary>
public sealed class GroupNormalization : Layer, INormalizer
{
    /// <summary>False: the statistics do not come from the batch.</summary>
    public bool UsesBatchStatistics => false;

    /// <summary>A GroupNormalization layer with Keras's arguments: groups 32, axis -1, epsilon 1e-3, center and scale on, zero beta and unit gamma by default.</summary>
    public GroupNormalization(int groups = 32, int axis = -1, double epsilon = 1e-3, bool center = true, bool scale = true,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        Constraint? betaConstraint = null, Constraint? gammaConstraint = null, string? name = null) : base(name)
    {
        if (groups < 1) throw new StrataException($"Expected a positive number of groups. Received: groups={groups}");
        if (!(epsilon > 0)) throw new StrataException($"Expected a positive epsilon. Received: epsilon={epsilon}");
        Groups = groups;
        Axis = axis;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = betaInitializer ?? Initializer.Zeros();
        GammaInitializer = gammaInitializer ?? Initializer.Ones();
        BetaRegularizer = betaRegularizer;
        GammaRegularizer = gammaRegularizer;
        BetaConstraint = betaConstraint;
        GammaConstraint = gammaConstraint;
    }

    /// <inheritdoc/>
    public override string ClassName => "GroupNormalization";

    /// <summary>How many groups the channels are split into; it must divide the channels. 32 by default.</summary>
    public int Groups { get; }

    /// <summary>The channel axis (negative counts from the end); -1 by default.</summary>
    public int Axis { get; }

    /// <summary>Added to the variance before its square root; 1e-3 by default.</summary>
    public double Epsilon { get; }

    /// <summary>Whether beta is added; true by default.</summary>
    public bool Center { get; }

    /// <summary>Whether the output is multiplied by gamma; true by default.</summary>
    public bool Scale { get; }

    /// <summary>beta's initializer; zeros by default.</summary>
    public Initializer BetaInitializer { get; }

    /// <summary>gamma's initializer; ones by default.</summary>
    public Initializer GammaInitializer { get; }

    /// <summary>A penalty on beta added to the loss; none by default.</summary>
    public Regularizer? BetaRegularizer { get; }

    /// <summary>A penalty on gamma added to the loss; none by default.</summary>
    public Regularizer? GammaRegularizer { get; }

    /// <summary>A projection applied to beta after each optimizer step; none by default.</summary>
    public Constraint? BetaConstraint { get; }

    /// <summary>A projection applied to gamma after each optimizer step; none by default.</summary>
    public Constraint? GammaConstraint { get; }

    /// <summary>The learned scale, one per channel, once built (null without scale).</summary>
    public Variable? Gamma { get; private set; }

    /// <summary>The learned offset, one per channel, once built (null without center).</summary>
    public Variable? Beta { get; private set; }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        int a = Axis < 0 ? Axis + inputShape.Length : Axis;
        if (a < 1 || a >= inputShape.Length || inputShape[a] <= 0)
            throw new StrataException($"GroupNormalization layer '{Name}': axis {Axis} must be a known, non-batch axis of input shape {ShapeOps.Format(inputShape)}.");
        int channels = inputShape[a];
        if (Groups > channels)
            throw new StrataException($"GroupNormalization layer '{Name}': number of groups ({Groups}) cannot be more than the number of channels ({channels}).");
        if (channels % Groups != 0)
            throw new StrataException($"GroupNormalization layer '{Name}': number of groups ({Groups}) must be a multiple of the number of channels ({channels}).");
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        int channels = inputShape[Axis < 0 ? Axis + inputShape.Length : Axis];
        if (Scale) Gamma = AddVariable("gamma", [channels], GammaInitializer, true, random, GammaRegularizer, GammaConstraint);
        if (Center) Beta = AddVariable("beta", [channels], BetaInitializer, true, random, BetaRegularizer, BetaConstraint);
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var shape = input.Value.ShapeArray();
        int a = Axis < 0 ? Axis + shape.Length : Axis, channels = shape[a];
        // [..., C, ...] -> [..., G, C/G, ...]; statistics over everything but the batch and group axes.
        var grouped = shape[..a].Concat([Groups, channels / Groups]).Concat(shape[(a + 1)..]).ToArray();
        var reduce = Enumerable.Range(1, grouped.Length - 1).Where(d => d != a).ToArray();
        var normalized = Ops.Reshape(Ops.Standardize(Ops.Reshape(input, grouped), reduce, (float)Epsilon), shape);
        var broadcast = Enumerable.Range(0, shape.Length).Select(d => d == a ? channels : 1).ToArray();
        if (Gamma is not null) normalized = Ops.Multiply(normalized, Ops.Reshape(Parameter(input, Gamma), broadcast));
        if (Beta is not null) normalized = Ops.Add(normalized, Ops.Reshape(Parameter(input, Beta), broadcast));
        return normalized;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["groups"] = Groups;
        config["axis"] = Axis;
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        config["beta_initializer"] = BetaInitializer.ToConfig();
        config["gamma_initializer"] = GammaInitializer.ToConfig();
        config["beta_regularizer"] = BetaRegularizer?.ToConfig();
        config["gamma_regularizer"] = GammaRegularizer?.ToConfig();
        config["beta_constraint"] = BetaConstraint?.ToConfig();
        config["gamma_constraint"] = GammaConstraint?.ToConfig();
        return config;
    }

    /// <summary>Reads a GroupNormalization layer from its Keras config.</summary>
    public static GroupNormalization FromConfig(ConfigReader c) =>
        new(c.Int("groups", 32), c.Axis("axis", -1), c.Double("epsilon", 1e-3), c.Bool("center", true), c.Bool("scale", true),
            c.Initializer("beta_initializer", Initializer.Zeros()), c.Initializer("gamma_initializer", Initializer.Ones()),
            c.Regularizer("beta_regularizer"), c.Regularizer("gamma_regularizer"),
            c.Constraint("beta_constraint"), c.Constraint("gamma_constraint"), c.Name);
}
