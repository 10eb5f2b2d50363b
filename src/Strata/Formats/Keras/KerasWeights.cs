using System.Text.Json.Nodes;
using Strata.Layers;

namespace Strata.Formats.Keras;

/// <summary>
/// A layer's variables as Keras stores them: in the layer's own order, under Keras's names, followed by
/// the bookkeeping variables Keras keeps and Strata has no use for. The writer lists them from here and
/// the reader maps the file's names back through the same tables, so the two cannot disagree.
/// </summary>
internal static class KerasWeights
{
    /// <summary>Variables Keras names differently from Strata, by class: Keras's depthwise kernel is "depthwise_kernel".</summary>
    private static readonly Dictionary<(string ClassName, string Variable), string> Renamed = new()
    {
        [("DepthwiseConv2D", "kernel")] = "depthwise_kernel",
    };

    /// <summary>
    /// The cell that holds the variables of Keras's recurrent layers, by class: the layer itself owns none, so
    /// Keras 3 stores them at <c>&lt;layer&gt;/cell/vars</c> and tf.keras 2 names them "lstm/lstm_cell/kernel:0".
    /// </summary>
    private static readonly Dictionary<string, string> Cells = new(StringComparer.Ordinal)
    {
        ["SimpleRNN"] = "simple_rnn_cell",
        ["LSTM"] = "lstm_cell",
        ["GRU"] = "gru_cell",
    };

    /// <summary>
    /// Keras's wrapper layers, by class: the attributes that hold the wrapped layers (Keras 3 names each one's
    /// group after its attribute: <c>bidirectional/forward_layer/cell/vars</c>, <c>time_distributed/layer/vars</c>),
    /// in the order of the wrapper's <see cref="Layer.Children"/>, and the config keys that describe them, where a
    /// missing key (a Bidirectional without backward_layer) means the first one's layer. tf.keras 2 names the wrapped
    /// variables under the wrapper's name, adding the wrapped layer's own name only for Bidirectional
    /// ("bidirectional/forward_lstm/lstm_cell/kernel:0", but "time_distributed/kernel:0").
    /// </summary>
    private static readonly Dictionary<string, (string[] Attributes, string[] ConfigKeys, bool NamesChildren)> Wrappers = new(StringComparer.Ordinal)
    {
        ["Bidirectional"] = (["forward_layer", "backward_layer"], ["layer", "backward_layer"], true),
        ["TimeDistributed"] = (["layer"], ["layer"], false),
    };

    /// <summary>
    /// Variables Keras keeps after a layer's own and Strata does not: Normalization's count of adapted
    /// samples (int64), which inference never reads. Written as 0, skipped when read.
    /// </summary>
    private static readonly Dictionary<string, (string Name, long Value)[]> Vestigial = new(StringComparer.Ordinal)
    {
        ["Normalization"] = [("count", 0L)],
    };

    /// <summary>
    /// The layer's weights in Keras's order (Dense: kernel, bias; BatchNormalization: gamma, beta,
    /// moving_mean, moving_variance), each with its Keras variable name and a float32 or int64 value.
    /// </summary>
    public static IReadOnlyList<(string Name, object Value, ulong[] Shape)> Of(Layer layer)
    {
        var weights = new List<(string, object, ulong[])>();
        foreach (var v in layer.Variables)
        {
            var value = v.Value;
            weights.Add((KerasName(layer.ClassName, v.Name), value.Data.AsSpan(0, value.Size).ToArray(), value.ShapeArray().Select(d => (ulong)d).ToArray()));
        }
        foreach (var (name, value) in Vestigial.GetValueOrDefault(layer.ClassName, [])) weights.Add((name, value, []));
        return weights;
    }

    /// <summary>The name of the cell that holds the variables of a layer of class <paramref name="className"/> (LSTM: "lstm_cell"); null when the layer holds its own.</summary>
    public static string? CellName(string className) => Cells.GetValueOrDefault(className);

    /// <summary>Keras's name for the variable Strata calls <paramref name="variable"/> in a layer of class <paramref name="className"/>.</summary>
    public static string KerasName(string className, string variable) => Renamed.GetValueOrDefault((className, variable), variable);

    /// <summary>Strata's name for the variable Keras calls <paramref name="kerasName"/>; the inverse of <see cref="KerasName"/>.</summary>
    public static string StrataName(string className, string kerasName)
    {
        foreach (var ((cls, variable), renamed) in Renamed)
            if (cls == className && renamed == kerasName) return variable;
        return kerasName;
    }

    /// <summary>Whether <paramref name="kerasName"/> is one of the bookkeeping variables Keras keeps for the class and Strata skips.</summary>
    public static bool IsVestigial(string className, string kerasName) =>
        Vestigial.TryGetValue(className, out var extra) && extra.Any(e => e.Name == kerasName);

    /// <summary>How many bookkeeping variables Keras keeps after the layer's own for the class.</summary>
    public static int VestigialCount(string className) => Vestigial.GetValueOrDefault(className, []).Length;

    /// <summary>The attributes under which Keras 3 stores the layers a wrapper of class <paramref name="className"/> holds; null for any other layer.</summary>
    public static IReadOnlyList<string>? WrappedAttributes(string className) => Wrappers.TryGetValue(className, out var w) ? w.Attributes : null;

    /// <summary>
    /// The groups of a <c>.keras</c> weights file, relative to the group of the layer that
    /// <paramref name="layer"/> ({"class_name", "config"}) describes, that hold its variables, in Strata's
    /// variable order: ["vars"] for a plain layer, ["cell", "vars"] for a recurrent one, and for a wrapper its
    /// wrapped layers' groups under their attributes (["forward_layer", "cell", "vars"], ...).
    /// </summary>
    public static IReadOnlyList<string[]> Keras3VarsPaths(JsonObject layer, string where)
    {
        string className = layer["class_name"] is JsonValue v && v.TryGetValue(out string? s) ? s : "";
        if (!Wrappers.TryGetValue(className, out var wrapper))
            return [CellName(className) is null ? ["vars"] : ["cell", "vars"]];
        var config = layer["config"] as JsonObject;
        var paths = new List<string[]>();
        for (int i = 0; i < wrapper.Attributes.Length; i++)
        {
            var wrapped = config?[wrapper.ConfigKeys[i]] as JsonObject ?? config?[wrapper.ConfigKeys[0]] as JsonObject
                ?? throw new StrataException($"{where}: the {className} layer has no '{wrapper.ConfigKeys[0]}' config.");
            paths.AddRange(Keras3VarsPaths(wrapped, where).Select(p => (string[])[wrapper.Attributes[i], .. p]));
        }
        return paths;
    }

    /// <summary>
    /// The layers inside <paramref name="layer"/> that own variables (the layer itself unless it is a wrapper),
    /// each with the prefix tf.keras 2 gives their weight names: "dense", "lstm/lstm_cell",
    /// "bidirectional/forward_lstm/lstm_cell", "time_distributed".
    /// </summary>
    public static IReadOnlyList<(Layer Owner, string Prefix)> LegacyOwners(Layer layer) => LegacyOwners(layer, layer.Name);

    private static IReadOnlyList<(Layer Owner, string Prefix)> LegacyOwners(Layer layer, string scope)
    {
        if (Wrappers.TryGetValue(layer.ClassName, out var wrapper))
            return layer.Children.SelectMany(c => LegacyOwners(c, wrapper.NamesChildren ? $"{scope}/{c.Name}" : scope)).ToList();
        return [(layer, CellName(layer.ClassName) is { } cell ? $"{scope}/{cell}" : scope)];
    }
}
