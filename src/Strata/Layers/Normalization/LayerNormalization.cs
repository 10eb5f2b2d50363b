using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Normalization;

/// <summary>The arguments of <see cref="LayerNormalization"/>, with Keras's defaults.</summary>
public sealed record LayerNormalizationConfig : LayerConfig
{
    /// <summary>The axis or axes each sample is normalized over (negative counts from the end).</summary>
    [KerasIntOrList] public IReadOnlyList<int> Axis { get; init => field = ReadOnlyInts.Copy(value); } = [-1];

    /// <summary>Added to the variance before its square root.</summary>
    public double Epsilon { get; init; } = 1e-3;

    /// <summary>Divide by the root mean square instead of standardizing: no centring, no beta.</summary>
    public bool RmsScaling { get; init; }

    /// <summary>gamma and beta.</summary>
    public ScaleAndCenter ScaleAndCenter { get; init; } = new();

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(Axis is { Count: > 0 }, "axis", "Expected at least one axis for argument 'axis'. Received: []");
        Require(Epsilon > 0, "epsilon", $"Expected a positive epsilon. Received: epsilon={Epsilon}");
    }
}

/// <summary>
/// Layer normalization (Ba et al. 2016): each sample is normalized over <c>axis</c> by its own mean
/// and biased variance, then scaled by gamma and shifted by beta (shaped like the normalized axes),
/// the same in training and inference. With <c>rms_scaling</c> it divides by the root mean square
/// instead (no centring, no beta): y = x/√(mean(x²) + ε)·γ. Keras defaults: axis −1, epsilon 1e-3.
/// PyTorch: nn.LayerNorm(normalized_shape, eps = 1e-5) normalizes the trailing axes; its weight and
/// bias are gamma and beta. nn.RMSNorm matches rms_scaling.
/// </summary>
public sealed class LayerNormalization : Layer<LayerNormalizationConfig>, INormalizer, IMaskPassing
{
    /// <summary>False: the statistics do not come from the batch.</summary>
    public bool UsesBatchStatistics => false;

    /// <summary>A LayerNormalization layer with every argument given by <paramref name="config"/>.</summary>
    public LayerNormalization(LayerNormalizationConfig config) : base(config) { }

    /// <summary>A LayerNormalization layer with Keras's arguments: axis -1 (null or empty: -1), epsilon 1e-3, center and scale on, rms_scaling off, zero beta and unit gamma by default.</summary>
    public LayerNormalization(int[]? axis = null, double epsilon = 1e-3, bool center = true, bool scale = true, bool rmsScaling = false, string? name = null)
        : this(new LayerNormalizationConfig
        {
            Axis = axis is { Length: > 0 } ? axis : [-1], Epsilon = epsilon, RmsScaling = rmsScaling,
            ScaleAndCenter = new() { Center = center, Scale = scale }, Name = name,
        }) { }

    /// <summary>The axis or axes each sample is normalized over (negative counts from the end); -1 by default.</summary>
    public IReadOnlyList<int> Axis => Config.Axis;

    /// <summary>Added to the variance before its square root; 1e-3 by default.</summary>
    public double Epsilon => Config.Epsilon;

    /// <summary>Whether to divide by the root mean square instead of standardizing (no centring, no beta); false by default.</summary>
    public bool RmsScaling => Config.RmsScaling;

    /// <summary>The learned scale, shaped like the normalized axes, once built (null with neither scale nor rms_scaling).</summary>
    public Variable? Gamma { get; private set; }

    /// <summary>The learned offset, shaped like the normalized axes, once built (null without center or with rms_scaling).</summary>
    public Variable? Beta { get; private set; }

    private int[] NormalizedAxes(int rank)
    {
        var axes = Config.Axis.Select(a => a < 0 ? a + rank : a).Distinct().ToArray();
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
        // rms_scaling keeps gamma even without scale and drops beta, as Keras.
        var parts = Config.ScaleAndCenter;
        (Gamma, Beta) = AddScaleAndCenter(parts with { Scale = parts.Scale || RmsScaling, Center = parts.Center && !RmsScaling }, shape, random);
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
    // Per-step work keeps a step's mask valid only when the statistics run over the feature axis alone.
    public bool PassesMask => Config.Axis is [var axis] && (axis == -1 || (InputShape is { } shape && axis == shape.Count - 1));
}
