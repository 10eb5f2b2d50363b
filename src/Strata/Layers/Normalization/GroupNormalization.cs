using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Normalization;

/// <summary>The arguments of <see cref="GroupNormalization"/>, with Keras's defaults.</summary>
public sealed record GroupNormalizationConfig : LayerConfig
{
    /// <summary>How many groups the channels are split into; it must divide the channels.</summary>
    public int Groups { get; init; } = 32;

    /// <summary>The channel axis (negative counts from the end).</summary>
    public int Axis { get; init; } = -1;

    /// <summary>Added to the variance before its square root.</summary>
    public double Epsilon { get; init; } = 1e-3;

    /// <summary>gamma and beta, one per channel.</summary>
    public ScaleAndCenter ScaleAndCenter { get; init; } = new();

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(Groups >= 1, "groups", $"Expected a positive number of groups. Received: groups={Groups}");
        Require(Epsilon > 0, "epsilon", $"Expected a positive epsilon. Received: epsilon={Epsilon}");
    }
}

/// <summary>
/// Group normalization (Wu and He 2018): the channels on <c>axis</c> are split into <c>groups</c>
/// groups and each sample is normalized per group over the group's channels and all other axes;
/// gamma and beta are per channel. Independent of the batch size (a fit for small batches where
/// BatchNormalization's statistics are noisy); groups = 1 is layer normalization over all features,
/// groups = channels is instance normalization. Keras defaults: groups 32, axis −1, epsilon 1e-3.
/// PyTorch: nn.GroupNorm(num_groups, num_channels, eps = 1e-5) on channels-first data (axis 1).
/// </summary>
public sealed class GroupNormalization : Layer<GroupNormalizationConfig>, INormalizer
{
    /// <summary>False: the statistics do not come from the batch.</summary>
    public bool UsesBatchStatistics => false;

    /// <summary>A GroupNormalization layer with every argument given by <paramref name="config"/>.</summary>
    public GroupNormalization(GroupNormalizationConfig config) : base(config) { }

    /// <summary>A GroupNormalization layer with Keras's arguments: groups 32, axis -1, epsilon 1e-3, center and scale on, zero beta and unit gamma by default.</summary>
    public GroupNormalization(int groups = 32, int axis = -1, double epsilon = 1e-3, bool center = true, bool scale = true, string? name = null)
        : this(new GroupNormalizationConfig { Groups = groups, Axis = axis, Epsilon = epsilon, ScaleAndCenter = new() { Center = center, Scale = scale }, Name = name }) { }

    /// <summary>How many groups the channels are split into; it must divide the channels. 32 by default.</summary>
    public int Groups => Config.Groups;

    /// <summary>The channel axis (negative counts from the end); -1 by default.</summary>
    public int Axis => Config.Axis;

    /// <summary>Added to the variance before its square root; 1e-3 by default.</summary>
    public double Epsilon => Config.Epsilon;

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
        (Gamma, Beta) = AddScaleAndCenter(Config.ScaleAndCenter, [channels], random);
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
}
