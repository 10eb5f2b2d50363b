using System.Text.Json.Nodes;

namespace Strata.Formats.Keras;

/// <summary>
/// Reads the wiring of a Functional model config and, when it is a chain (an input, then each layer
/// feeding exactly the next), gives its layers in order, so it loads as a Sequential. Both wiring
/// forms are understood: Keras 2's inbound_nodes [[["dense_1", 0, 0, {}]]] and Keras 3's
/// {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["dense", 0, 0]}}]}.
/// </summary>
internal static class KerasGraph
{
    /// <summary>The layers of the Functional config <paramref name="config"/> in chain order, the InputLayer first.</summary>
    public static JsonArray Chain(JsonObject config, string where)
    {
        if (config["layers"] is not JsonArray layers || layers.Count == 0)
            throw new StrataException($"{where}: the Functional model config has no layers.");
        var byName = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var inputsOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var node in layers)
        {
            if (node is not JsonObject layer) throw new StrataException($"{where}: a layer of the Functional config is not an object.");
            string name = LayerName(layer) ?? throw new StrataException($"{where}: a layer of the Functional config has no name.");
            if (!byName.TryAdd(name, layer)) throw new StrataException($"{where}: two layers of the Functional config are named '{name}'.");
            order.Add(name);
            var inputs = new List<string>();
            Collect(layer["inbound_nodes"], inputs);
            inputsOf[name] = inputs;
        }

        // The first layer (in config order) that is not a link of a chain is the one to name.
        var consumers = order.ToDictionary(n => n, _ => new List<string>(), StringComparer.Ordinal);
        foreach (string name in order)
        {
            var inputs = inputsOf[name];
            if (inputs.Count > 1)
                throw new StrataException($"{where}: layer '{name}' has {inputs.Count} inputs ({string.Join(", ", inputs)}); only Functional models that are a chain of layers load as a Sequential.");
            foreach (string input in inputs)
            {
                if (!consumers.TryGetValue(input, out var list))
                    throw new StrataException($"{where}: layer '{name}' takes its input from '{input}', which the config does not define.");
                list.Add(name);
                if (list.Count > 1)
                    throw new StrataException($"{where}: layer '{input}' feeds {list.Count} layers ({string.Join(", ", list)}); only Functional models that are a chain of layers load as a Sequential.");
            }
        }
        var starts = order.Where(n => inputsOf[n].Count == 0).ToList();
        if (starts.Count != 1)
            throw new StrataException($"{where}: the Functional model has {starts.Count} inputs ({string.Join(", ", starts)}); only a single-input chain loads as a Sequential.");

        var chain = new JsonArray();
        for (string? current = starts[0]; current is not null; current = consumers[current].SingleOrDefault())
            chain.Add(byName[current].DeepClone());
        if (chain.Count != order.Count)
            throw new StrataException($"{where}: the Functional model has layers outside the chain from its input.");
        return chain;
    }

    private static string? LayerName(JsonObject layer) =>
        layer["name"] is JsonValue v && v.TryGetValue(out string? s) ? s
        : layer["config"] is JsonObject c && c["name"] is JsonValue cv && cv.TryGetValue(out string? cs) ? cs : null;

    /// <summary>
    /// Every layer name an inbound_nodes value refers to: a [name, node_index, tensor_index, ...] list,
    /// which is both Keras 2's inbound entry and Keras 3's keras_history.
    /// </summary>
    private static void Collect(JsonNode? node, List<string> names)
    {
        switch (node)
        {
            case JsonArray a when a.Count >= 3 && a[0] is JsonValue first && first.TryGetValue(out string? name)
                                  && a[1] is JsonValue second && second.TryGetValue(out int _):
                if (!names.Contains(name)) names.Add(name);
                break;
            case JsonArray a:
                foreach (var item in a) Collect(item, names);
                break;
            case JsonObject o:
                foreach (var (_, value) in o) Collect(value, names);
                break;
        }
    }
}
