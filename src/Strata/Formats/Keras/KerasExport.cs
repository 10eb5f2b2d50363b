using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PureHDF;
using Strata.Layers;
using Strata.Models;

namespace Strata.Formats.Keras;

/// <summary>
/// Writes a model as Keras writes it, so Keras's <c>load_model</c> opens it: a Keras 3 <c>.keras</c>
/// zip (<see cref="SaveKeras"/>) or a legacy tf.keras 2 HDF5 file (<see cref="SaveH5"/>). Only
/// layers Keras has can be written; a Strata-only layer (DropConnect, Residual, ...) or argument
/// (BatchNormalization's cumulative moving statistics, ...) is an error naming the layer. Files are
/// written to a temporary file and renamed, so a failed write leaves no partial file.
/// </summary>
public static class KerasExport
{
    /// <summary>The Keras version a <c>.keras</c> file claims: the layout it follows (vars groups named by layer) is 3.6's.</summary>
    public const string Keras3Version = "3.6.0";

    /// <summary>The tf.keras version a legacy <c>.h5</c> file claims.</summary>
    public const string Keras2Version = "2.12.0";

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    /// <summary>
    /// Writes <paramref name="model"/> (built) as a Keras 3 <c>.keras</c> zip: metadata.json, config.json and
    /// model.weights.h5 (each layer's variables at <c>layers/&lt;class&gt;[_k]/vars/&lt;i&gt;</c>, a recurrent layer's at
    /// <c>layers/&lt;class&gt;[_k]/cell/vars/&lt;i&gt;</c>, a wrapper's under its wrapped layers' attributes,
    /// <c>layers/bidirectional/forward_layer/cell/vars/&lt;i&gt;</c> and <c>layers/time_distributed/layer/vars/&lt;i&gt;</c>, see
    /// <see cref="KerasNaming.Keras3LayerPaths"/>), stored uncompressed in that order, as Keras writes them.
    /// </summary>
    public static void SaveKeras(Sequential model, string path)
    {
        RequireBuilt(model);
        var config = KerasConfigForm.Keras3(model);
        var weights = Keras3Weights(model);
        var metadata = new JsonObject
        {
            ["keras_version"] = Keras3Version,
            ["date_saved"] = DateTime.Now.ToString("yyyy-MM-dd@HH:mm:ss", CultureInfo.InvariantCulture),
        };
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            ModelFile.Write(zip, "metadata.json", Encoding.UTF8.GetBytes(metadata.ToJsonString(Compact)), CompressionLevel.NoCompression);
            ModelFile.Write(zip, "config.json", Encoding.UTF8.GetBytes(config.ToJsonString(Compact)), CompressionLevel.NoCompression);
            ModelFile.Write(zip, "model.weights.h5", entry => WriteHdf5(weights, entry), CompressionLevel.NoCompression);
        });
    }

    /// <summary>
    /// Writes <paramref name="model"/> (built) as a legacy HDF5 file in tf.keras 2's layout: root attributes
    /// model_config (JSON), keras_version and backend; <c>/model_weights</c> with layer_names, and per layer
    /// weight_names ("dense/kernel:0", "lstm/lstm_cell/kernel:0", "bidirectional/forward_lstm/lstm_cell/kernel:0",
    /// "time_distributed/kernel:0", ...) naming datasets at
    /// <c>/model_weights/&lt;layer&gt;/&lt;weight name&gt;</c>.
    /// </summary>
    public static void SaveH5(Sequential model, string path)
    {
        RequireBuilt(model);
        var file = new H5File();
        file.Attributes["model_config"] = KerasConfigForm.Keras2(model).ToJsonString(Compact);
        file.Attributes["keras_version"] = Keras2Version;
        file.Attributes["backend"] = "tensorflow";
        var modelWeights = new H5Group();
        modelWeights.Attributes["backend"] = "tensorflow";
        modelWeights.Attributes["keras_version"] = Keras2Version;
        modelWeights.Attributes["layer_names"] = model.Layers.Select(l => l.Name).ToArray();
        foreach (var layer in model.Layers)
        {
            var group = new H5Group();
            var names = new List<string>();
            // A wrapper's variables are named after the layers it wraps: "bidirectional/forward_lstm/lstm_cell/kernel:0".
            foreach (var (owner, prefix) in KerasWeights.LegacyOwners(layer))
                foreach (var w in KerasWeights.Of(owner))
                {
                    string name = $"{prefix}/{w.Name}:0";
                    names.Add(name);
                    Put(group, name, Dataset(w.Value, w.Shape));
                }
            // tf.keras writes an empty float64 array, not an empty string array, for a layer without weights.
            group.Attributes["weight_names"] = names.Count == 0 ? new H5Attribute(Array.Empty<double>(), [0]) : names.ToArray();
            modelWeights[layer.Name] = group;
        }
        file["model_weights"] = modelWeights;
        AtomicFile.Write(path, stream => WriteHdf5(file, stream));
    }

    /// <summary>The model.weights.h5 of a .keras file: layers/&lt;group&gt;/vars/&lt;i&gt;, and the model's own empty vars.</summary>
    private static H5File Keras3Weights(Sequential model)
    {
        foreach (var layer in model.Layers) KerasConfigForm.RequireKerasLayer(layer);
        var paths = KerasNaming.Keras3LayerPaths(model.Layers.Select(l => l.ClassName));
        var file = new H5File();
        var layers = new H5Group();
        for (int i = 0; i < model.Layers.Count; i++) layers[paths[i]["layers/".Length..]] = Keras3Group(model.Layers[i]);
        file["layers"] = layers;
        file["vars"] = NamedGroup(model.Name);
        return file;
    }

    /// <summary>
    /// A layer's group in model.weights.h5: its own variables in vars; a recurrent layer's in cell/vars, its own
    /// vars left empty; a wrapper's in a group per wrapped layer named after Keras's attribute (forward_layer, layer).
    /// </summary>
    private static H5Group Keras3Group(Layer layer)
    {
        if (KerasWeights.WrappedAttributes(layer.ClassName) is { } attributes)
        {
            var wrapper = new H5Group { ["vars"] = NamedGroup(layer.Name) };
            for (int k = 0; k < attributes.Count; k++) wrapper[attributes[k]] = Keras3Group(layer.Children[k]);
            return wrapper;
        }
        string? cell = KerasWeights.CellName(layer.ClassName);
        var vars = NamedGroup(cell ?? layer.Name);
        var weights = KerasWeights.Of(layer);
        for (int k = 0; k < weights.Count; k++) vars[k.ToString(CultureInfo.InvariantCulture)] = Dataset(weights[k].Value, weights[k].Shape);
        return cell is null
            ? new H5Group { ["vars"] = vars }
            : new H5Group { ["vars"] = NamedGroup(layer.Name), ["cell"] = new H5Group { ["vars"] = vars } };
    }

    /// <summary>Puts <paramref name="value"/> at the '/'-separated <paramref name="path"/> below <paramref name="root"/>, making the groups on the way.</summary>
    private static void Put(H5Group root, string path, object value)
    {
        var parts = path.Split('/');
        var group = root;
        foreach (string part in parts[..^1])
        {
            if (!group.TryGetValue(part, out var child)) group[part] = child = new H5Group();
            group = (H5Group)child;
        }
        group[parts[^1]] = value;
    }

    /// <summary>A vars group; from Keras 3.6 each names the layer (or cell) that owns it.</summary>
    private static H5Group NamedGroup(string name)
    {
        var group = new H5Group();
        group.Attributes["name"] = name;
        return group;
    }

    private static H5Dataset Dataset(object value, ulong[] shape) => new(value, fileDims: shape);

    private static void WriteHdf5(H5File file, Stream destination)
    {
        // PureHDF seeks back while it writes (a zip entry cannot) and owns the stream it is given, so it writes to memory first.
        var buffer = new MemoryStream();
        file.Write(buffer);
        destination.Write(buffer.ToArray());
    }

    private static void RequireBuilt(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.IsBuilt) throw new StrataException($"Model '{model.Name}' has no weights yet; build or train it before exporting.");
    }
}
