using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Layers;

/// <summary>
/// Typed access to a Keras layer config with errors that name the layer and the argument.
/// Keys Keras writes but Strata has no use for (module, registered_name, build_config, dtype objects) are ignored.
/// </summary>
public sealed class ConfigReader
{
    private readonly JsonObject _config;

    public ConfigReader(JsonObject config, string className)
    {
        _config = config;
        ClassName = className;
        Name = config["name"] is JsonValue v && v.TryGetValue(out string? n) ? n : null;
    }

    public string ClassName { get; }

    /// <summary>
    /// Reads the Keras forms of a named object: a bare name ("adam") or {"class_name": ..., "config": {...}}.
    /// </summary>
    public static (string Name, ConfigReader Config) Named(JsonNode? node, string what, string example)
    {
        if (node is JsonValue v && v.TryGetValue(out string? s)) return (s, new ConfigReader([], what));
        if (node is JsonObject o && o["class_name"] is JsonValue cn && cn.TryGetValue(out string? c))
            return (c, new ConfigReader(o["config"] as JsonObject ?? [], what));
        throw new StrataException($"The {what} must be a name such as \"{example}\" or an object with \"class_name\". Received: {node?.ToJsonString() ?? "null"}");
    }

    public string? Name { get; }

    private string Where(string key) => $"argument '{key}' of {ClassName} layer '{Name ?? "(unnamed)"}'";

    public bool Has(string key) => _config[key] is not null;

    public JsonNode? Raw(string key) => _config[key];

    public double Double(string key, double fallback)
    {
        var node = _config[key];
        if (node is null) return fallback;
        return Number(node) ?? throw new StrataException($"Expected a number for {Where(key)}. Received: {node.ToJsonString()}");
    }

    /// <summary>A JSON number as a double, whether parsed from text or created from a .NET value; null otherwise.</summary>
    public static double? Number(JsonNode? node)
    {
        if (node is null || node.GetValueKind() != JsonValueKind.Number) return null;
        return double.Parse(node.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public int Int(string key, int fallback)
    {
        double d = Double(key, fallback);
        if (d != Math.Floor(d)) throw new StrataException($"Expected an integer for {Where(key)}. Received: {d}");
        return (int)d;
    }

    public int? OptionalInt(string key) => _config[key] is null ? null : Int(key, 0);

    public bool Bool(string key, bool fallback)
    {
        var node = _config[key];
        if (node is null) return fallback;
        if (node is JsonValue v && v.TryGetValue(out bool b)) return b;
        throw new StrataException($"Expected true or false for {Where(key)}. Received: {node.ToJsonString()}");
    }

    public string? String(string key, string? fallback)
    {
        var node = _config[key];
        if (node is null) return fallback;
        if (node is JsonValue v && v.TryGetValue(out string? s)) return s;
        // Keras may serialize an activation as {"class_name": "function", "config": "relu"} or similar.
        if (node is JsonObject o && o["config"] is JsonValue cv && cv.TryGetValue(out string? cs)) return cs;
        throw new StrataException($"Expected a string for {Where(key)}. Received: {node.ToJsonString()}");
    }

    /// <summary>A list of integers in which null stands for "take from the input" (-1).</summary>
    public int[]? Shape(string key)
    {
        var node = _config[key];
        if (node is null) return null;
        if (node is not JsonArray array) throw new StrataException($"Expected a list for {Where(key)}. Received: {node.ToJsonString()}");
        var shape = new int[array.Count];
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is null) { shape[i] = -1; continue; }
            double? d = Number(array[i]);
            if (d is not double v || v != Math.Floor(v) || v < int.MinValue || v > int.MaxValue)
                throw new StrataException($"Expected integers or null in {Where(key)}. Received: {node.ToJsonString()}");
            shape[i] = (int)v;
        }
        return shape;
    }

    /// <summary>A size per spatial axis, given as one integer for all of them or a list (Keras's kernel_size, strides, ...).</summary>
    public int[] Tuple(string key, int rank, int fallback)
    {
        var node = _config[key];
        if (node is null) return Enumerable.Repeat(fallback, rank).ToArray();
        if (node is JsonArray)
        {
            var values = Shape(key)!;
            if (values.Length != rank || values.Any(v => v < 0))
                throw new StrataException($"Expected {rank} non-negative integers for {Where(key)}. Received: {node.ToJsonString()}");
            return values;
        }
        return Enumerable.Repeat(Int(key, fallback), rank).ToArray();
    }

    /// <summary>An axis given as an integer or, as Keras also writes it, a one-element list.</summary>
    public int Axis(string key, int fallback)
    {
        if (_config[key] is not JsonArray list) return Int(key, fallback);
        if (list.Count != 1 || Number(list[0]) is not double d)
            throw new StrataException($"{Where(key)}: a list of several axes is not supported. Received: {list.ToJsonString()}");
        return (int)d;
    }

    public Initializer Initializer(string key, Initializer fallback) =>
        _config[key] is null ? fallback : Layers.Initializer.FromConfig(_config[key], Where(key));

    public Regularizers.Regularizer? Regularizer(string key) => Regularizers.Regularizer.FromConfig(_config[key], Where(key));

    public Constraints.Constraint? Constraint(string key) => Constraints.Constraint.FromConfig(_config[key], Where(key));

    /// <summary>Rejects an argument Strata does not implement yet, unless it has its neutral value.</summary>
    public void Unsupported(string key)
    {
        var node = _config[key];
        if (node is null || node.GetValueKind() == JsonValueKind.Null || node.GetValueKind() == JsonValueKind.False) return;
        throw new StrataException($"{Where(key)} is not supported. Received: {node.ToJsonString()}");
    }
}
