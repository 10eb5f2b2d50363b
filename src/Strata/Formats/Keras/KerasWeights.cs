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
}
