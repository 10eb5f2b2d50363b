using System.Text.Json.Nodes;
using PureHDF;
using PureHDF.VOL.Native;
using Strata.Models;

namespace Strata.Formats.Keras;

/// <summary>
/// The legacy HDF5 layout of Keras 1, Keras 2 and tf.keras (also under a .keras name): the model_config
/// attribute at the root and, under /model_weights, one group per layer listed in layer_names whose
/// weight_names attribute gives its datasets in the layer's order.
/// </summary>
internal static class KerasH5Reader
{
    /// <summary>The model config and the weights of every layer, by layer name.</summary>
    public static KerasModelParts Read(byte[] bytes, string path)
    {
        using var file = KerasHdf5.Open(bytes, path);
        string config;
        KerasModelParts parts;
        try
        {
            (config, parts) = Read(file, bytes.LongLength, path);
        }
        catch (Exception e) when (KerasHdf5.IsReadFailure(e))
        {
            throw KerasHdf5.Damaged(path, e);
        }
        // Outside the catch: only PureHDF's failures mean a damaged file; an error in reading the config is ours to see.
        return parts with { Config = KerasDialect.ToSequential(ModelFile.ParseJson(System.Text.Encoding.UTF8.GetBytes(config), path, "model_config"), path) };
    }

    private static (string Config, KerasModelParts Parts) Read(NativeFile file, long fileBytes, string path)
    {
        string config = KerasHdf5.StringAttribute(file, "model_config", path)
            ?? throw new StrataException($"{path}: the HDF5 file has no model_config attribute; it holds weights only (save_weights), not a model.");
        if (!file.LinkExists("model_weights") || file.Get("model_weights") is not IH5Group weightsRoot)
            throw new StrataException($"{path}: the HDF5 file has no model_weights group.");

        var ignored = new List<string>();
        if (file.AttributeExists("training_config")) ignored.Add("training_config (the compile settings)");
        if (file.LinkExists("optimizer_weights")) ignored.Add("optimizer_weights (the optimizer's state)");
        string? version = KerasHdf5.StringAttribute(file, "keras_version", path) ?? KerasHdf5.StringAttribute(weightsRoot, "keras_version", path);
        string? backend = KerasHdf5.StringAttribute(file, "backend", path) ?? KerasHdf5.StringAttribute(weightsRoot, "backend", path);

        var layerNames = KerasHdf5.NameList(weightsRoot, "layer_names", path)
            ?? throw new StrataException($"{path}: model_weights has no layer_names attribute.");
        var weights = new Dictionary<string, IReadOnlyList<KerasWeight>>(StringComparer.Ordinal);
        foreach (string layer in layerNames)
        {
            if (!weightsRoot.LinkExists(layer) || weightsRoot.Get(layer) is not IH5Group group)
                throw new StrataException($"{path}: layer '{layer}' is listed in layer_names but model_weights has no group for it.");
            var names = KerasHdf5.NameList(group, "weight_names", $"{path} (layer '{layer}')") ?? [];
            var list = new List<KerasWeight>();
            foreach (string name in names)
            {
                if (!group.LinkExists(name) || group.Get(name) is not IH5Dataset dataset)
                    throw new StrataException($"{path}: layer '{layer}' lists weight '{name}', which the file does not hold.");
                list.Add(KerasHdf5.Dataset(dataset, name, fileBytes, $"{path} (layer '{layer}')"));
            }
            weights[layer] = list;
        }
        return (config, new KerasModelParts([], weights, NamedWeights: true, new ModelOrigin("keras-h5", version, backend, ignored)));
    }
}

/// <summary>
/// What a Keras file reader hands over: the model as a Strata Sequential config, each layer's weights
/// by layer name (in the layer's own order; named when <paramref name="NamedWeights"/>, by position
/// otherwise) and where the file came from.
/// </summary>
internal sealed record KerasModelParts(JsonObject Config, IReadOnlyDictionary<string, IReadOnlyList<KerasWeight>> Weights, bool NamedWeights, ModelOrigin Origin);
