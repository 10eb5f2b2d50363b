using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PureHDF;
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
    /// <c>layers/&lt;class&gt;[_k]/cell/vars/&lt;i&gt;</c>, see
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
    /// weight_names ("dense/kernel:0", "lstm/lstm_cell/kernel:0", ...) naming datasets at
    /// <c>/model_weights/&lt;layer&gt;/&lt;layer&gt;[/&lt;cell&gt;]/&lt;weight&gt;:0</c>.
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
            var weights = KerasWeights.Of(layer);
            var group = new H5Group();
            string? cell = KerasWeights.CellName(layer.ClassName);
            string prefix = cell is null ? layer.Name : $"{layer.Name}/{cell}";
            var names = weights.Select(w => $"{prefix}/{w.Name}:0").ToArray();
            // tf.keras writes an empty float64 array, not an empty string array, for a layer without weights.
            group.Attributes["weight_names"] = names.Length == 0 ? new H5Attribute(Array.Empty<double>(), [0]) : names;
            if (weights.Count > 0)
            {
                var inner = new H5Group();
                foreach (var w in weights) inner[$"{w.Name}:0"] = Dataset(w.Value, w.Shape);
                group[layer.Name] = cell is null ? inner : new H5Group { [cell] = inner };
            }
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
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            string? cell = KerasWeights.CellName(layer.ClassName);
            var vars = NamedGroup(cell ?? layer.Name);
            var weights = KerasWeights.Of(layer);
            for (int k = 0; k < weights.Count; k++) vars[k.ToString(CultureInfo.InvariantCulture)] = Dataset(weights[k].Value, weights[k].Shape);
            // A recurrent layer's own vars stay empty; its cell holds the variables.
            layers[paths[i]["layers/".Length..]] = cell is null
                ? new H5Group { ["vars"] = vars }
                : new H5Group { ["vars"] = NamedGroup(layer.Name), ["cell"] = new H5Group { ["vars"] = vars } };
        }
        file["layers"] = layers;
        file["vars"] = NamedGroup(model.Name);
        return file;
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
