using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers.Constraints;
using Strata.Layers.Regularizers;
using Strata.Tensors;

namespace Strata.Layers.Normalization;

/// <summary>
/// Layer normalization (Ba et al. 2016): each sample is normalized over <c>axis</c> by its own mean
/// and biased variance, then scaled by gamma and shifted by beta (shaped like the normalized axes),
/// the same in training and inference. With <c>rms_scaling</c> it divides by the root mean square
/// instead (no centring, no beta): y = x/√(mean(x²) + ε)·γ. Keras defaults: axis −1, epsilon 1e-3.
/// PyTorch: nn.LayerNorm(normalized_shape, eps = 1e-5) normalizes the trailing axes; its weight and
/// bias are gamma and beta. nn.RMSNorm matches rms_scaling.
/// </summary>
public sealed class LayerNormalization : Layer, INormalizer
{
    /// <summary>False: the statistics do not come from the batch.</summary>
    public bool UsesBatchStatistics => false;

    private readonly int[] _axis;

    /// <summary>A LayerNormalization layer with Keras's arguments: axis -1 (null or empty: -1), epsilon 1e-3, center and scale on, rms_scaling off, zero beta and unit gamma by default.</summary>
    public LayerNormalization(int[]? axis = null, double epsilon = 1e-3, bool center = true, bool scale = true, bool rmsScaling = false,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        Constraint? betaConstraint = null, Constraint? gammaConstraint = null, string? name = null) : base(name)
    {
        if (!(epsilon > 0)) throw new StrataException($"Expected a positive epsilon. Received: epsilon={epsilon}");
        _axis = axis is { Length: > 0 } ? (int[])axis.Clone() : [-1];
        Axis = ReadOnlyInts.View(_axis);
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        RmsScaling = rmsScaling;
        BetaInitializer = betaInitializer ?? Initializer.Zeros();
        GammaInitializer = gammaInitializer ?? Initializer.Ones();
        BetaRegularizer = betaRegularizer;
        GammaRegularizer = gammaRegularizer;
        BetaConstraint = betaConstraint;
        GammaConstraint = gammaConstraint;
    }

    /// <inheritdoc/>
    public override string ClassName => "LayerNormalization";

    /// <summary>The axis or axes each sample is normalized over (negative counts from the end); -1 by default.</summary>
    public IReadOnlyList<int> Axis { get; }

    /// <summary>Added to the variance before its square root; 1e-3 by default.</summary>
    public double Epsilon { get; }

    /// <summary>Whether beta is added; true by default.</summary>
    public bool Center { get; }

    /// <summary>Whether the output is multiplied by gamma; true by default.</summary>
    public bool Scale { get; }

    /// <summary>Whether to divide by the root mean square instead of standardizing (no centring, no beta); false by default.</summary>
    public bool RmsScaling { get; }

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

    /// <summary>The learned scale, shaped like the normalized axes, once built (null with neither scale nor rms_scaling).</summary>
    public Variable? Gamma { get; private set; }

    /// <summary>The learned offset, shaped like the normalized axes, once built (null without center or with rms_scaling).</summary>
    public Variable? Beta { get; private set; }

    private int[] NormalizedAxes(int rank)
    {
        var axes = _axis.Select(a => a < 0 ? a + rank : a).Distinct().ToArray();
        Array.Sort(axes);
        return axes;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        foreach (int a in NormalizedAxes(inputShape.Length))
            if (a < 1 || a >= inputShape.Length || inputShape[a] <= 0)
                throw new StrataException($"LayerNormalization layer '{Name}': axis {string.Join(", ", Axis)} must name known, non-batch axes of input shape {ShapeOps.Format(inputShape)}.");
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        int[] shape = NormalizedAxes(inputShape.Length).Select(a => inputShape[a]).ToArray();
        if (Scale || RmsScaling) Gamma = AddVariable("gamma", shape, GammaInitializer, true, random, GammaRegularizer, GammaConstraint);
        if (Center && !RmsScaling) Beta = AddVariable("beta", shape, BetaInitializer, true, random, BetaRegularizer, BetaConstraint);
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var axes = NormalizedAxes(input.Shape.Length);
        var normalized = RmsScaling ? Ops.RmsNormalize(input, axes, (float)Epsilon) : Ops.Standardize(input, axes, (float)Epsilon);
        var broadcast = Enumerable.Range(0, input.Shape.Length).Select(d => axes.Contains(d) ? input.Shape[d] : 1).ToArray();
        if (Gamma is not null) normalized = Ops.Multiply(normalized, Ops.Reshape(Parameter(input, Gamma), broadcast));
        if (Beta is not null) normalized = Ops.Add(normalized, Ops.Reshape(Parameter(input, Beta), broadcast));
        return normalized;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = _axis.Length == 1 ? JsonValue.Create(_axis[0]) : new JsonArray(_axis.Select(a => (JsonNode)a).ToArray());
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        config["rms_scaling"] = RmsScaling;
        config["beta_initializer"] = BetaInitializer.ToConfig();
        config["gamma_initializer"] = GammaInitializer.ToConfig();
        config["beta_regularizer"] = BetaRegularizer?.ToConfig();
        config["gamma_regularizer"] = GammaRegularizer?.ToConfig();
        config["beta_constraint"] = BetaConstraint?.ToConfig();
        config["gamma_constraint"] = GammaConstraint?.ToConfig();
        return config;
    }

    /// <summary>Reads a LayerNormalization layer from its Keras config; axis may be one integer or a list.</summary>
    public static LayerNormalization FromConfig(ConfigReader c)
    {
        int[] axes = c.Raw("axis") is JsonArray ? c.Shape("axis")! : [c.Int("axis", -1)];
        return new LayerNormalization(axes, c.Double("epsilon", 1e-3), c.Bool("center", true), c.Bool("scale", true), c.Bool("rms_scaling", false),
            c.Initializer("beta_initializer", Initializer.Zeros()), c.Initializer("gamma_initializer", Initializer.Ones()),
            c.Regularizer("beta_regularizer"), c.Regularizer("gamma_regularizer"),
            c.Constraint("beta_constraint"), c.Constraint("gamma_constraint"), c.Name);
    }
}
