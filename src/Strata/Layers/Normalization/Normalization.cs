using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Normalization;

/// <summary>
/// Keras's preprocessing layer: (x − mean) / max(√variance, 1e-7) per feature along <c>axis</c>.
/// <see cref="Adapt"/> computes mean and (population) variance from data; both are stored as
/// non-trainable weights, so a model that standardizes its input is self-contained.
/// </summary>
public sealed class Normalization : Layer, INormalizer
{
    /// <summary>False: the statistics do not come from the batch.</summary>
    public bool UsesBatchStatistics => false;

    private const float Floor = 1e-7f;
    private float[]? _pendingMean, _pendingVariance;

    /// <summary>A Normalization layer over the feature <paramref name="axis"/> (-1 by default). <paramref name="mean"/> and <paramref name="variance"/> fix the statistics (both or neither; without them call <see cref="Adapt"/>); <paramref name="invert"/> maps standardized values back.</summary>
    public Normalization(int axis = -1, float[]? mean = null, float[]? variance = null, bool invert = false, string? name = null) : base(name)
    {
        if ((mean is null) != (variance is null))
            throw new StrataException($"Normalization layer '{name}': give both mean and variance, or neither.");
        Axis = axis;
        Invert = invert;
        _pendingMean = mean;
        _pendingVariance = variance;
    }

    /// <inheritdoc/>
    public override string ClassName => "Normalization";

    /// <summary>The feature axis, one mean and variance per position along it (negative counts from the end); -1 by default.</summary>
    public int Axis { get; }

    /// <summary>When true the layer maps standardized values back: x·√variance + mean.</summary>
    public bool Invert { get; }

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
        if (_pendingMean is not null)
        {
            SetStatistics(_pendingMean, _pendingVariance!);
            _pendingMean = _pendingVariance = null;
        }
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
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["invert"] = Invert;
        config["mean"] = null;
        config["variance"] = null;
        return config;
    }

    /// <summary>Reads a Normalization layer from its Keras config; mean and variance may be numbers or lists.</summary>
    public static Normalization FromConfig(ConfigReader c)
    {
        int axis = c.Axis("axis", -1);
        float[]? Values(string key) => c.Raw(key) switch
        {
            null => null,
            JsonArray arr => arr.Select(v => (float)(ConfigReader.Number(v) ?? throw new StrataException($"Normalization layer '{c.Name}': '{key}' must hold numbers."))).ToArray(),
            JsonValue v when ConfigReader.Number(v) is double d => [(float)d],
            var other => throw new StrataException($"Normalization layer '{c.Name}': '{key}' must be a number or a list. Received: {other.ToJsonString()}"),
        };
        return new Normalization(axis, Values("mean"), Values("variance"), c.Bool("invert", false), c.Name);
    }
}
