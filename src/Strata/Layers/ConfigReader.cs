using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Layers;

/// <summary>
/// Typed access to a config object (a Keras layer config, or a section of a spec) with errors that
/// name the argument and where it is. Every key read is remembered, so <see cref="RejectUnknown"/>
/// can refuse the keys nothing read, as Keras refuses unknown arguments.
/// </summary>
public sealed class ConfigReader
{
    /// <summary>Keys Keras writes into layer and object configs that carry nothing Strata uses.</summary>
    public static readonly IReadOnlySet<string> KerasBookkeeping = new HashSet<string> { "name", "trainable", "dtype", "module", "registered_name", "build_config", "autocast" };

    private readonly JsonObject _config;
    private readonly HashSet<string> _read = [];
    private readonly string _place;
    private readonly string _noun;

    /// <summary>A layer's config; errors say "argument 'rate' of Dropout layer 'dropout'".</summary>
    public ConfigReader(JsonObject config, string className, int? index = null)
        : this(config, className, Place(config, className, index), "argument")
    {
    }

    private ConfigReader(JsonObject config, string className, string place, string noun)
    {
        _config = config;
        ClassName = className;
        Name = config["name"] is JsonValue v && v.TryGetValue(out string? n) ? n : null;
        _place = place;
        _noun = noun;
    }

    private static string Place(JsonObject config, string className, int? index) =>
        config["name"] is JsonValue v && v.TryGetValue(out string? name) ? $"of {className} layer '{name}'"
        : index is int i ? $"of {className} layer {i}" : $"of {className}";

    /// <summary>A section of a file (the "fit" object of a spec); errors say "key 'epochs' in \"fit\" of spec.json".</summary>
    public static ConfigReader Section(JsonObject config, string place) => new(config, "", place, "key");

    /// <summary>The Keras class name the config belongs to (e.g. "Dropout"); empty for a file section.</summary>
    public string ClassName { get; }

    /// <summary>
    /// Reads the Keras forms of a named object: a bare name ("adam") or {"class_name": ..., "config": {...}}.
    /// </summary>
    public static (string Name, ConfigReader Config) Named(JsonNode? node, string what, string example)
    {
        if (node is JsonValue v && v.TryGetValue(out string? s)) return (s, new ConfigReader([], s, $"of {s} ({what})", "argument"));
        if (node is JsonObject o && o["class_name"] is JsonValue cn && cn.TryGetValue(out string? c))
        {
            var outer = new ConfigReader(o, c, $"of {what}", "key");
            outer.Raw("class_name");
            outer.Raw("config");
            outer.RejectUnknown(unlisted: KerasBookkeeping);
            if (o["config"] is not (null or JsonObject))
                throw new StrataException($"The \"config\" of {what} must be an object. Received: {o["config"]!.ToJsonString()}");
            return (c, new ConfigReader(o["config"] as JsonObject ?? [], c, $"of {c} ({what})", "argument"));
        }
        throw new StrataException($"The {what} must be a name such as \"{example}\" or an object with \"class_name\". Received: {node?.ToJsonString() ?? "null"}");
    }

    /// <summary>The "name" in the config, or null when it has none.</summary>
    public string? Name { get; }

    /// <summary>Where a key sits, in the words of error messages: "argument 'rate' of Dropout layer 'dropout'".</summary>
    public string Where(string key) => $"{_noun} '{key}' {_place}";

    /// <summary>Whether <paramref name="key"/> is present and not null; counts as reading it.</summary>
    public bool Has(string key) => Node(key) is not null;

    /// <summary>Whether <paramref name="key"/> is in the config at all, an explicit null included; counts as reading it.</summary>
    public bool Contains(string key)
    {
        _read.Add(key);
        return _config.ContainsKey(key);
    }

    /// <summary>The value of <paramref name="key"/> as it is in the JSON (null when absent), marked as read.</summary>
    public JsonNode? Raw(string key) => Node(key);

    private JsonNode? Node(string key)
    {
        _read.Add(key);
        return _config[key];
    }

    /// <summary>
    /// Refuses every key that nothing has read and that is not in <paramref name="alsoKnown"/>,
    /// naming it and the closest known key.
    /// </summary>
    /// <param name="alsoKnown">Keys accepted beside those read.</param>
    /// <param name="unlisted">Accepted keys left out of the error's list of known keys (Keras's bookkeeping).</param>
    public void RejectUnknown(IEnumerable<string>? alsoKnown = null, IEnumerable<string>? unlisted = null)
    {
        var known = alsoKnown is null ? _read : _read.Concat(alsoKnown).ToHashSet();
        var quiet = unlisted?.ToHashSet() ?? [];
        foreach (var (key, _) in _config)
        {
            if (known.Contains(key) || quiet.Contains(key)) continue;
            var candidates = known.Where(k => !KerasBookkeeping.Contains(k) && !quiet.Contains(k) && k is not ("class_name" or "config")).Distinct().Order(StringComparer.Ordinal).ToList();
            throw new StrataException($"Unknown {Where(key)}{NameSuggestion.DidYouMean(key, candidates)}."
                + (candidates.Count is > 0 and <= 40 ? $" Known: {string.Join(", ", candidates)}." : ""));
        }
    }

    /// <summary>
    /// The number under <paramref name="key"/>, or <paramref name="fallback"/> when it is absent or null;
    /// anything else throws naming the argument.
    /// </summary>
    public double Double(string key, double fallback)
    {
        var node = Node(key);
        if (node is null) return fallback;
        return Number(node) ?? throw new StrataException($"Expected a number for {Where(key)}. Received: {node.ToJsonString()}");
    }

    /// <summary>A JSON number as a double, whether parsed from text or created from a .NET value; null otherwise.</summary>
    public static double? Number(JsonNode? node)
    {
        if (node is null || node.GetValueKind() != JsonValueKind.Number) return null;
        return double.Parse(node.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The integer under <paramref name="key"/> (a whole number such as 3 or 3.0), or <paramref name="fallback"/>
    /// when absent or null.
    /// </summary>
    public int Int(string key, int fallback)
    {
        double d = Double(key, fallback);
        if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue)
            throw new StrataException($"Expected an integer for {Where(key)}. Received: {d.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return (int)d;
    }

    /// <summary>The integer under <paramref name="key"/>, or null when absent or null.</summary>
    public int? OptionalInt(string key) => Node(key) is null ? null : Int(key, 0);

    /// <summary>The boolean under <paramref name="key"/>, or <paramref name="fallback"/> when absent or null.</summary>
    public bool Bool(string key, bool fallback)
    {
        var node = Node(key);
        if (node is null) return fallback;
        if (node is JsonValue v && v.TryGetValue(out bool b)) return b;
        throw new StrataException($"Expected true or false for {Where(key)}. Received: {node.ToJsonString()}");
    }

    /// <summary>
    /// The string under <paramref name="key"/>, or <paramref name="fallback"/> when absent or null; also takes
    /// Keras's {"class_name", "config": "relu"} form of an activation.
    /// </summary>
    public string? String(string key, string? fallback)
    {
        var node = Node(key);
        if (node is null) return fallback;
        if (node is JsonValue v && v.TryGetValue(out string? s)) return s;
        // Keras may serialize an activation as {"class_name": "function", "config": "relu"} or similar.
        if (node is JsonObject o && o["config"] is JsonValue cv && cv.TryGetValue(out string? cs)) return cs;
        throw new StrataException($"Expected a string for {Where(key)}. Received: {node.ToJsonString()}");
    }

    /// <summary>A list of integers in which null stands for "take from the input" (-1).</summary>
    public int[]? Shape(string key)
    {
        var node = Node(key);
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

    /// <summary>A list of numbers, or one number standing for a list of one (Keras's Normalization mean); null when absent or null.</summary>
    public float[]? Floats(string key)
    {
        var node = Node(key);
        if (node is null) return null;
        var items = node is JsonArray array ? array.ToArray() : [node];
        return items.Select(v => (float)(Number(v) ?? throw new StrataException($"Expected a number or a list of numbers for {Where(key)}. Received: {node.ToJsonString()}"))).ToArray();
    }

    /// <summary>
    /// Rejects an argument Strata does not implement yet, unless it has its neutral value: null, false,
    /// or 0 where <paramref name="zeroIsNeutral"/> (a decay of 0, but not a baseline of 0).
    /// </summary>
    public void Unsupported(string key, bool zeroIsNeutral = true)
    {
        var node = Node(key);
        if (node is null || node.GetValueKind() is JsonValueKind.Null or JsonValueKind.False || (zeroIsNeutral && Number(node) == 0)) return;
        throw new StrataException($"{Where(key)} is not supported. Received: {node.ToJsonString()}");
    }
}
