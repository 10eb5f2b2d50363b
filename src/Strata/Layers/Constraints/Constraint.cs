using System.Globalization;
using System.Text.Json.Nodes;
using Strata.Tensors;

namespace Strata.Layers.Constraints;

/// <summary>
/// A projection applied to a weight after every optimizer step, with Keras's names and defaults.
/// Norms are taken over <c>axis</c> (for a Dense kernel [in, out], axis 0 gives one norm per unit):
/// MaxNorm(max_value = 2, axis = 0) rescales columns whose norm exceeds max_value (Srivastava et al.
/// 2014 pair it with dropout); MinMaxNorm(min_value = 0, max_value = 1, rate = 1, axis = 0);
/// UnitNorm(axis = 0); NonNeg sets negative weights to 0.
/// </summary>
public sealed class Constraint
{
    // Keras's backend epsilon, added to norms before dividing.
    private const float Epsilon = 1e-7f;

    private enum Kind { MaxNorm, MinMaxNorm, UnitNorm, NonNeg }

    private readonly Kind _kind;
    private readonly double _min, _max, _rate;
    private readonly int[] _axes;
    private double[] _norms = [];
    private int[] _groupOf = [];
    private int[] _groupShape = [];

    private Constraint(Kind kind, double min = 0, double max = 0, double rate = 1, int[]? axes = null)
    {
        if (kind is Kind.MaxNorm or Kind.MinMaxNorm && !(max > 0 && min >= 0 && min <= max))
            throw new StrataException($"Expected 0 <= min_value <= max_value and max_value > 0. Received: min_value={min}, max_value={max}");
        if (!(rate >= 0 && rate <= 1)) throw new StrataException($"Expected rate between 0 and 1. Received: rate={rate}");
        _kind = kind;
        _min = min;
        _max = max;
        _rate = rate;
        _axes = axes ?? [0];
    }

    /// <summary>The Keras class name: "MaxNorm", "MinMaxNorm", "UnitNorm" or "NonNeg".</summary>
    public string ClassName => _kind.ToString();

    /// <summary>The axes each norm runs along (Keras's axis); [0] by default.</summary>
    public IReadOnlyList<int> Axes => _axes;

    /// <summary>
    /// Keras's MaxNorm: columns whose norm over <paramref name="axis"/> (default 0) exceeds
    /// <paramref name="maxValue"/> are scaled down to it.
    /// </summary>
    public static Constraint MaxNorm(double maxValue = 2, params int[] axis) => new(Kind.MaxNorm, 0, maxValue, 1, axis.Length == 0 ? null : axis);

    /// <summary>
    /// Keras's MinMaxNorm: norms are moved into [<paramref name="minValue"/>, <paramref name="maxValue"/>], a
    /// fraction <paramref name="rate"/> of the way per step (1: at once).
    /// </summary>
    public static Constraint MinMaxNorm(double minValue = 0, double maxValue = 1, double rate = 1, params int[] axis) =>
        new(Kind.MinMaxNorm, minValue, maxValue, rate, axis.Length == 0 ? null : axis);

    /// <summary>Keras's UnitNorm: every norm over <paramref name="axis"/> (default 0) is scaled to 1.</summary>
    public static Constraint UnitNorm(params int[] axis) => new(Kind.UnitNorm, axes: axis.Length == 0 ? null : axis);

    /// <summary>Keras's NonNeg: negative weights are set to 0.</summary>
    public static Constraint NonNeg() => new(Kind.NonNeg);

    /// <summary>Projects <paramref name="weights"/> in place.</summary>
    public void Apply(Tensor weights)
    {
        var w = weights.Data;
        if (_kind == Kind.NonNeg)
        {
            for (int i = 0; i < w.Length; i++) if (w[i] < 0) w[i] = 0;
            return;
        }
        var groupOf = Groups(weights.Shape);
        Array.Clear(_norms);
        for (int i = 0; i < w.Length; i++) _norms[groupOf[i]] += (double)w[i] * w[i];
        for (int g = 0; g < _norms.Length; g++)
        {
            double norm = Math.Sqrt(_norms[g]);
            double desired = _kind switch
            {
                Kind.MaxNorm => Math.Clamp(norm, 0, _max),
                Kind.MinMaxNorm => _rate * Math.Clamp(norm, _min, _max) + (1 - _rate) * norm,
                _ => 1,
            };
            _norms[g] = desired / (Epsilon + norm);
        }
        for (int i = 0; i < w.Length; i++) w[i] = (float)(w[i] * _norms[groupOf[i]]);
    }

    // Which norm each element belongs to: the index over the axes the norm does not run along.
    private int[] Groups(ReadOnlySpan<int> shape)
    {
        if (_groupShape.AsSpan().SequenceEqual(shape)) return _groupOf;
        var reduced = new bool[shape.Length];
        foreach (int axis in _axes)
        {
            int a = axis < 0 ? axis + shape.Length : axis;
            if (a < 0 || a >= shape.Length)
                throw new StrataException($"{ClassName} constraint: axis {axis} is out of range for a weight of shape {ShapeOps.Format(shape)}.");
            reduced[a] = true;
        }
        int size = ShapeOps.Size(shape);
        var groupOf = new int[size];
        int groups = 1;
        for (int d = 0; d < shape.Length; d++) if (!reduced[d]) groups *= shape[d];
        var index = new int[shape.Length];
        for (int i = 0; i < size; i++)
        {
            int g = 0;
            for (int d = 0; d < shape.Length; d++) if (!reduced[d]) g = g * shape[d] + index[d];
            groupOf[i] = g;
            for (int d = shape.Length - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
        }
        _groupOf = groupOf;
        _norms = new double[groups];
        _groupShape = shape.ToArray();
        return groupOf;
    }

    /// <summary>The Keras serialization {"module", "class_name", "config"}, which <see cref="FromConfig"/> reads back.</summary>
    public JsonObject ToConfig()
    {
        var config = new JsonObject();
        JsonNode Axis() => _axes.Length == 1 ? JsonValue.Create(_axes[0]) : new JsonArray(_axes.Select(a => (JsonNode)a).ToArray());
        switch (_kind)
        {
            case Kind.MaxNorm: config["max_value"] = _max; config["axis"] = Axis(); break;
            case Kind.MinMaxNorm: config["min_value"] = _min; config["max_value"] = _max; config["rate"] = _rate; config["axis"] = Axis(); break;
            case Kind.UnitNorm: config["axis"] = Axis(); break;
        }
        return new JsonObject { ["module"] = "keras.constraints", ["class_name"] = ClassName, ["config"] = config };
    }

    /// <summary>Reads the Keras forms: a name ("max_norm", "non_neg") or {"class_name": "MaxNorm", "config": {...}}; null stays null.</summary>
    public static Constraint? FromConfig(JsonNode? node, string argument)
    {
        if (node is null) return null;
        var (name, config) = ConfigReader.Named(node, argument, "max_norm");
        int[] axes = config.Raw("axis") is JsonArray ? config.Shape("axis")! : [config.Int("axis", 0)];
        var constraint = name.Replace("_", "", StringComparison.Ordinal).ToLower(CultureInfo.InvariantCulture) switch
        {
            "maxnorm" => MaxNorm(config.Double("max_value", 2), axes),
            "minmaxnorm" => MinMaxNorm(config.Double("min_value", 0), config.Double("max_value", 1), config.Double("rate", 1), axes),
            "unitnorm" => UnitNorm(axes),
            "nonneg" => NonNeg(),
            _ => throw new StrataException($"Unknown constraint '{name}' for {argument}{NameSuggestion.DidYouMean(name, ["MaxNorm", "MinMaxNorm", "UnitNorm", "NonNeg"])}. Known: MaxNorm, MinMaxNorm, UnitNorm, NonNeg."),
        };
        config.RejectUnknown(unlisted: ConfigReader.KerasBookkeeping);
        return constraint;
    }
}
