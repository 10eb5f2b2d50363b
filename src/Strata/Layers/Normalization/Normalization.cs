using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Normalization;

/// <summary>The arguments of <see cref="Normalization"/>, with Keras's defaults.</summary>
public sealed record NormalizationConfig : LayerConfig
{
    /// <summary>The feature axis, one mean and variance per position along it (negative counts from the end).</summary>
    [KerasIntOrList] public IReadOnlyList<int> Axis { get; init => field = ReadOnlyInts.Copy(value); } = [-1];

    /// <summary>When true the layer maps standardized values back: x·√variance + mean.</summary>
    public bool Invert { get; init; }

    /// <summary>Fixed per-feature means (given with <see cref="Variance"/>); null leaves the statistics to Adapt or the weights file.</summary>
    public IReadOnlyList<float>? Mean { get; init => field = value is null ? null : Array.AsReadOnly(value.ToArray()); }

    /// <summary>Fixed per-feature variances (given with <see cref="Mean"/>).</summary>
    public IReadOnlyList<float>? Variance { get; init => field = value is null ? null : Array.AsReadOnly(value.ToArray()); }

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(Axis is { Count: 1 }, "axis", $"Expected one feature axis; a list of several axes is not supported. Received: axis=[{string.Join(", ", Axis ?? [])}]");
        Require((Mean is null) == (Variance is null), "mean", "Give both mean and variance, or neither.");
    }
}

/// <summary>
/// Keras's preprocessing layer: (x − mean) / max(√variance, 1e-7) per feature along <c>axis</c>.
/// <see cref="Adapt"/> computes mean and (population) variance from data; both are stored as
/// non-trainable weights, so a model that standardizes its input is self-contained.
/// </summary>
public sealed class Normalization : Layer<NormalizationConfig>, INormalizer
{
    /// <summary>False: the statistics do not come from the batch.</summary>
    public bool UsesBatchStatistics => false;

    private const float Floor = 1e-7f;

    /// <summary>A Normalization layer with every argument given by <paramref name="config"/>.</summary>
    public Normalization(NormalizationConfig config) : base(config) { }

    /// <summary>A Normalization layer over the feature <paramref name="axis"/> (-1 by default). <paramref name="mean"/> and <paramref name="variance"/> fix the statistics (both or neither; without them call <see cref="Adapt"/>); <paramref name="invert"/> maps standardized values back.</summary>
    public Normalization(int axis = -1, float[]? mean = null, float[]? variance = null, bool invert = false, string? name = null)
        : this(new NormalizationConfig { Axis = [axis], Mean = mean, Variance = variance, Invert = invert, Name = name }) { }

    /// <summary>The feature axis, one mean and variance per position along it (negative counts from the end); -1 by default.</summary>
    public int Axis => Config.Axis[0];

    /// <summary>When true the layer maps standardized values back: x·√variance + mean.</summary>
    public bool Invert => Config.Invert;

    /// <summary>The per-feature mean, a non-trainable weight, once built.</summary>
    public Variable? Mean { get; private set; }

    /// <summary>The per-feature variance, a non-trainable weight, once built.</summary>
    public Variable? Variance { get; private set; }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        int a = Axis < 0 ? Axis + inputShape.Length : Axis;
        if (a < 1 || a >= inputShape.Length || inputShape[a] <= 0)
            throw new StrataException($"Normalization layer '{Name}': axis {Axis} is not a known feature axis of {ShapeOps.Format(inputShape)}.");
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        int features = inputShape[Axis < 0 ? Axis + inputShape.Length : Axis];
        Mean = AddVariable("mean", [features], Initializer.Zeros(), false, random);
        Variance = AddVariable("variance", [features], Initializer.Ones(), false, random);
        if (Config.Mean is { } mean) SetStatistics([.. mean], [.. Config.Variance!]);
    }

    /// <summary>Computes each feature's mean and variance over all other axes of <paramref name="data"/>.</summary>
    public void Adapt(Tensor data, RandomGenerator? random = null)
    {
        var shape = data.ShapeArray();
        shape[0] = -1;
        Build(shape, random ?? new RandomGenerator(0));
        int a = Axis < 0 ? Axis + data.Rank : Axis;
        int features = data.Shape[a];
        int inner = ShapeOps.Size(data.Shape[(a + 1)..]);
        int outer = data.Size / (features * inner);
        var sum = new double[features];
        var sq = new double[features];
        for (int o = 0; o < outer; o++)
            for (int f = 0; f < features; f++)
                for (int i = 0; i < inner; i++)
                {
                    double v = data.Data[(o * features + f) * inner + i];
                    sum[f] += v;
                }
        int n = outer * inner;
        var mean = new float[features];
        for (int f = 0; f < features; f++) mean[f] = (float)(sum[f] / n);
        for (int o = 0; o < outer; o++)
            for (int f = 0; f < features; f++)
                for (int i = 0; i < inner; i++)
                {
                    double d = data.Data[(o * features + f) * inner + i] - sum[f] / n;
                    sq[f] += d * d;
                }
        var variance = new float[features];
        for (int f = 0; f < features; f++) variance[f] = (float)(sq[f] / n);
        SetStatistics(mean, variance);
    }

    private void SetStatistics(float[] mean, float[] variance)
    {
        if (mean.Length != Mean!.Value.Size || variance.Length != Variance!.Value.Size)
            throw new StrataException($"Normalization layer '{Name}': mean and variance need {Mean.Value.Size} values each.");
        mean.CopyTo(Mean.Value.Data, 0);
        variance.CopyTo(Variance.Value.Data, 0);
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        int rank = input.Shape.Length;
        int a = Axis < 0 ? Axis + rank : Axis;
        Node mean = Parameter(input, Mean!), variance = Parameter(input, Variance!);
        if (a != rank - 1)
        {
            var shape = Enumerable.Repeat(1, rank - a).ToArray();
            shape[0] = input.Shape[a];
            mean = Ops.Reshape(mean, shape);
            variance = Ops.Reshape(variance, shape);
        }
        var std = Ops.Clip(Ops.Sqrt(variance), Floor, float.MaxValue);
        return Invert
            ? Ops.Add(Ops.Multiply(input, std), mean)
            : Ops.Divide(Ops.Subtract(input, mean), std);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        // The statistics live in the weights, adapted or given, so the config names none (as an adapted Keras layer's).
        var config = base.GetConfig();
        config["mean"] = null;
        config["variance"] = null;
        return config;
    }
}
