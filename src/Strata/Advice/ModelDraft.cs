using System.Text.Json.Nodes;
using Strata.Layers;

namespace Strata.Advice;

/// <summary>
/// A model's layer configs (Keras form) and loss, open to the edits that lint fixes make: moving,
/// removing, replacing and inserting layers, changing a config value, and changing the loss. Every
/// layer carries its name in its config, so a finding's layer names stay valid across edits.
/// </summary>
public sealed class ModelDraft
{
    /// <summary>
    /// A draft of <paramref name="layers"/> (deep-copied), each given its name from <paramref name="names"/>,
    /// after <paramref name="inputLayer"/> and with the compile loss <paramref name="loss"/>.
    /// </summary>
    public ModelDraft(JsonObject? inputLayer, IEnumerable<JsonObject> layers, IReadOnlyList<string> names, JsonNode? loss)
    {
        InputLayer = inputLayer;
        Layers = layers.Select(l => (JsonObject)l.DeepClone()).ToList();
        for (int i = 0; i < Layers.Count; i++) ConfigOf(i)["name"] = names[i];
        Loss = loss?.DeepClone();
    }

    /// <summary>The InputLayer config that opens a Sequential config, or null when the spec has none.</summary>
    public JsonObject? InputLayer { get; }

    /// <summary>The layers after the input layer, each {"class_name", "config"}.</summary>
    public List<JsonObject> Layers { get; }

    /// <summary>The compile loss, as a name or {"class_name", "config"}.</summary>
    public JsonNode? Loss { get; set; }

    /// <summary>The position of the layer named <paramref name="name"/>; throws when there is none.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Layers.Count; i++) if (NameOf(i) == name) return i;
        throw new StrataException($"The draft has no layer named '{name}'.");
    }

    /// <summary>The name of the layer at <paramref name="index"/>.</summary>
    public string NameOf(int index) => ConfigOf(index)["name"]!.GetValue<string>();

    /// <summary>The Keras class name of the layer at <paramref name="index"/>, e.g. "Dropout".</summary>
    public string ClassOf(int index) => Layers[index]["class_name"]!.GetValue<string>();

    /// <summary>
    /// The config object of the layer at <paramref name="index"/>, created empty when missing; edits to it change
    /// the draft.
    /// </summary>
    public JsonObject ConfigOf(int index)
    {
        if (Layers[index]["config"] is not JsonObject config) Layers[index]["config"] = config = [];
        return config;
    }

    /// <summary>Removes the layer named <paramref name="name"/>.</summary>
    public void Remove(string name) => Layers.RemoveAt(IndexOf(name));

    /// <summary>
    /// Moves layer <paramref name="name"/> to just after layer <paramref name="after"/> (or first, when null).
    /// Two dropout layers of one class that end up side by side become one, with the larger rate.
    /// </summary>
    public void MoveAfter(string name, string? after)
    {
        var layer = Layers[IndexOf(name)];
        Layers.Remove(layer);
        int at = after is null ? 0 : IndexOf(after) + 1;
        Layers.Insert(at, layer);
        MergeWithNeighbour(at);
    }

    /// <summary>Moves layer <paramref name="name"/> to just before layer <paramref name="before"/>.</summary>
    public void MoveBefore(string name, string before)
    {
        var layer = Layers[IndexOf(name)];
        Layers.Remove(layer);
        int at = IndexOf(before);
        Layers.Insert(at, layer);
        MergeWithNeighbour(at);
    }

    /// <summary>Replaces layer <paramref name="name"/> with a new layer of <paramref name="className"/>; returns its name.</summary>
    public string Replace(string name, string className, JsonObject config)
    {
        int index = IndexOf(name);
        Layers.RemoveAt(index);
        return InsertAt(index, className, config);
    }

    /// <summary>Inserts a new layer at <paramref name="index"/> with a fresh Keras-style name; returns the name.</summary>
    public string InsertAt(int index, string className, JsonObject config)
    {
        string layerName = Layer.UniqueName(className, Enumerable.Range(0, Layers.Count).Select(NameOf));
        config["name"] = layerName;
        Layers.Insert(index, new JsonObject { ["module"] = "keras.layers", ["class_name"] = className, ["config"] = config });
        return layerName;
    }

    /// <summary>
    /// Sets config key <paramref name="key"/> of layer <paramref name="name"/> to <paramref name="value"/> (e.g.
    /// "rate" of a Dropout).
    /// </summary>
    public void Set(string name, string key, JsonNode? value) => ConfigOf(IndexOf(name))[key] = value;

    /// <summary>The layers with the input layer first, as a Sequential config's "layers" list.</summary>
    public JsonArray ToLayersArray()
    {
        var array = new JsonArray();
        if (InputLayer is not null) array.Add(InputLayer.DeepClone());
        foreach (var layer in Layers) array.Add(layer.DeepClone());
        return array;
    }

    private static readonly HashSet<string> Mergeable = ["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout"];

    private void MergeWithNeighbour(int index)
    {
        foreach (int neighbour in new[] { index - 1, index + 1 })
        {
            if (neighbour < 0 || neighbour >= Layers.Count) continue;
            if (ClassOf(neighbour) != ClassOf(index) || !Mergeable.Contains(ClassOf(index))) continue;
            if (!JsonNode.DeepEquals(ConfigOf(neighbour)["noise_shape"], ConfigOf(index)["noise_shape"])) continue;
            double rate = Math.Max(ConfigReader.Number(ConfigOf(neighbour)["rate"]) ?? 0, ConfigReader.Number(ConfigOf(index)["rate"]) ?? 0);
            ConfigOf(neighbour)["rate"] = rate;
            Layers.RemoveAt(index);
            return;
        }
    }
}
