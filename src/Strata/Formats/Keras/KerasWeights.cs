using Strata.Layers;

namespace Strata.Formats.Keras;

/// <summary>A layer's variables as Keras stores them: in the layer's own order, under Keras's names.</summary>
internal static class KerasWeights
{
    /// <summary>Variables Keras names differently from Strata, by class: Keras's depthwise kernel is "depthwise_kernel".</summary>
    private static readonly Dictionary<(string ClassName, string Variable), string> Renamed = new()
    {
        [("DepthwiseConv2D", "kernel")] = "depthwise_kernel",
    };

    /// <summary>
    /// The layer's weights in Keras's order (Dense: kernel, bias; BatchNormalization: gamma, beta,
    /// moving_mean, moving_variance), each with its Keras variable name and a float32 or int64 value.
    /// Keras's Normalization keeps a third, vestigial count (int64, 0), which Strata has no use for.
    /// </summary>
    public static IReadOnlyList<(string Name, object Value, ulong[] Shape)> Of(Layer layer)
    {
        var weights = new List<(string, object, ulong[])>();
        foreach (var v in layer.Variables)
        {
            var value = v.Value;
            string name = Renamed.GetValueOrDefault((layer.ClassName, v.Name), v.Name);
            weights.Add((name, value.Data.AsSpan(0, value.Size).ToArray(), value.ShapeArray().Select(d => (ulong)d).ToArray()));
        }
        if (layer.ClassName == "Normalization") weights.Add(("count", 0L, []));
        return weights;
    }
}
