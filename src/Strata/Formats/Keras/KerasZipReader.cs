using System.Globalization;
using System.IO.Compression;
using System.Text.Json.Nodes;
using PureHDF;
using PureHDF.VOL.Native;
using Strata.Models;

namespace Strata.Formats.Keras;

/// <summary>
/// The Keras 3 .keras zip: config.json, metadata.json and model.weights.h5, where the variables sit
/// at layers/&lt;snake_case class&gt;[_k]/vars/&lt;i&gt; (a recurrent layer's at .../cell/vars/&lt;i&gt;, a wrapper's
/// at .../forward_layer/cell/vars/&lt;i&gt; or .../layer/vars/&lt;i&gt;), named by class and position rather than by the
/// layer's own name (see <see cref="KerasNaming"/>).
/// </summary>
internal static class KerasZipReader
{
    private static readonly HashSet<string> Entries = ["config.json", "metadata.json", "model.weights.h5"];

    /// <summary>The model config and the weights of every layer, by layer name.</summary>
    public static KerasModelParts Read(byte[] bytes, string path)
    {
        var entries = ModelFile.ReadEntries(new MemoryStream(bytes, writable: false), path, Entries, "Keras model file", refuseTraversal: true);
        byte[] Entry(string name) => entries.TryGetValue(name, out var b) ? b : throw new StrataException($"{path}: the .keras file has no {name}.");

        var config = ModelFile.ParseJson(Entry("config.json"), path, "config.json");
        var sequential = KerasDialect.ToSequential(config, path);
        string? version = null;
        if (entries.TryGetValue("metadata.json", out var metadataBytes) && ModelFile.ParseJson(metadataBytes, path, "metadata.json") is JsonObject metadata)
            version = metadata["keras_version"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

        byte[] h5 = Entry("model.weights.h5");
        using var file = KerasHdf5.Open(h5, $"{path} (model.weights.h5)");
        try
        {
            var ignored = new List<string>();
            if (file.LinkExists("optimizer")) ignored.Add("the optimizer's state");
            if (config?["compile_config"] is not null) ignored.Add("compile_config (the compile settings)");
            return new KerasModelParts(sequential, ReadWeights(file, sequential, h5.LongLength, path), NamedWeights: false,
                new ModelOrigin("keras-v3", version, null, ignored));
        }
        catch (Exception e) when (KerasHdf5.IsReadFailure(e))
        {
            throw KerasHdf5.Damaged($"{path} (model.weights.h5)", e);
        }
    }

    private static Dictionary<string, IReadOnlyList<KerasWeight>> ReadWeights(NativeFile file, JsonObject sequential, long fileBytes, string path)
    {
        var layers = ((JsonArray)sequential["config"]!["layers"]!).Select(l => (JsonObject)l!)
            .Where(l => l["class_name"]!.GetValue<string>() != "InputLayer").ToList();
        var groups = KerasNaming.Keras3LayerPaths(layers.Select(l => l["class_name"]!.GetValue<string>()));
        var weights = new Dictionary<string, IReadOnlyList<KerasWeight>>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            string name = layers[i]["config"]?["name"] is JsonValue n && n.TryGetValue(out string? s) ? s : groups[i];
            string where = $"{path} (model.weights.h5, layer '{name}' at {groups[i]})";
            var list = new List<KerasWeight>();
            // A recurrent layer's variables belong to its cell, a wrapper's to the layers it wraps, one or more groups further down.
            foreach (var relative in KerasWeights.Keras3VarsPaths(layers[i], where))
            {
                if (KerasHdf5.Find(file, [.. groups[i].Split('/'), .. relative]) is not IH5Group vars) continue;
                string prefix = string.Join('/', relative);
                for (int k = 0; vars.LinkExists(k.ToString(CultureInfo.InvariantCulture)); k++)
                {
                    string key = $"{prefix}/{k.ToString(CultureInfo.InvariantCulture)}";
                    if (vars.Get(k.ToString(CultureInfo.InvariantCulture)) is not IH5Dataset dataset) throw new StrataException($"{where}: {key} is not a dataset.");
                    list.Add(KerasHdf5.Dataset(dataset, key, fileBytes, where));
                }
            }
            weights[name] = list;
        }
        return weights;
    }
}
