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

    public LayerNormalization(int[]? axis = null, double epsilon = 1e-3, bool center = true, bool scale = true, bool rmsScaling = false,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        Constraint? betaConstraint = null, Constraint? gammaConstraint = null, string? name = null) : base(name)
    {
        if (!(epsilon > 0)) throw new StrataException($"Expected a positive epsilon. Received: epsilon={epsilon}");
        Axis = axis is { Length: > 0 } ? (int[])axis.Clone() : [-1];
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

    public override string ClassName => "LayerNormalization";

    public int[] Axis { get; }

    public double Epsilon { get; }

    public bool Center { get; }

    public bool Scale { get; }

    public bool RmsScaling { get; }

    public Initializer BetaInitializer { get; }

    public Initializer GammaInitializer { get; }

    public Regularizer? BetaRegularizer { get; }

    public Regularizer? GammaRegularizer { get; }

    public Constraint? BetaConstraint { get; }

    public Constraint? GammaConstraint { get; }

    public Variable? Gamma { get; private set; }

    public Variable? Beta { get; private set; }

    private int[] NormalizedAxes(int rank)
    {
        var axes = Axis.Select(a => a < 0 ? a + rank : a).Distinct().ToArray();
        Array.Sort(axes);
        return axes;
    }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        foreach (int a in NormalizedAxes(inputShape.Length))
            if (a < 1 || a >= inputShape.Length || inputShape[a] <= 0)
                throw new StrataException($"LayerNormalization layer '{Name}': axis {string.Join(", ", Axis)} must name known, non-batch axes of input shape {ShapeOps.Format(inputShape)}.");
        return inputShape;
    }

    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        int[] shape = NormalizedAxes(inputShape.Length).Select(a => inputShape[a]).ToArray();
        if (Scale || RmsScaling) Gamma = AddVariable("gamma", shape, GammaInitializer, true, random, GammaRegularizer, GammaConstraint);
        if (Center && !RmsScaling) Beta = AddVariable("beta", shape, BetaInitializer, true, random, BetaRegularizer, BetaConstraint);
    }

    public override Node Call(Node input, CallMode mode)
    {
        var axes = NormalizedAxes(input.Shape.Length);
        var normalized = RmsScaling ? Ops.RmsNormalize(input, axes, (float)Epsilon) : Ops.Standardize(input, axes, (float)Epsilon);
        var broadcast = Enumerable.Range(0, input.Shape.Length).Select(d => axes.Contains(d) ? input.Shape[d] : 1).ToArray();
        if (Gamma is not null) normalized = Ops.Multiply(normalized, Ops.Reshape(Parameter(input, Gamma), broadcast));
        if (Beta is not null) normalized = Ops.Add(normalized, Ops.Reshape(Parameter(input, Beta), broadcast));
        return normalized;
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis.Length == 1 ? JsonValue.Create(Axis[0]) : new JsonArray(Axis.Select(a => (JsonNode)a).ToArray());
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

    public static LayerNormalization FromConfig(ConfigReader c)
    {
        int[] axes = c.Raw("axis") is JsonArray ? c.Shape("axis")! : [c.Int("axis", -1)];
        return new LayerNormalization(axes, c.Double("epsilon", 1e-3), c.Bool("center", true), c.Bool("scale", true), c.Bool("rms_scaling", false),
            c.Initializer("beta_initializer", Initializer.Zeros()), c.Initializer("gamma_initializer", Initializer.Ones()),
            c.Regularizer("beta_regularizer"), c.Regularizer("gamma_regularizer"),
            c.Constraint("beta_constraint"), c.Constraint("gamma_constraint"), c.Name);
    }
}
