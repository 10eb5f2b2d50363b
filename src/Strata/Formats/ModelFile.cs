using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Tensors;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Strata.Models;
using Strata.Formats.Keras;

namespace Strata.Formats;

/// <summary>
/// The .strata model file: a zip holding config.json (the Keras config), model.safetensors (the
/// variables, named layer/variable) and metadata.json (feature names, compile settings, anything
/// the caller adds). Written to a temporary file and renamed, so a failed save leaves the old file intact.
/// </summary>
public static class ModelFile
{
    private const long MaxEntryBytes = 2L << 30;
    private const double MaxCompressionRatio = 1000;

    /// <summary>
    /// Writes <paramref name="model"/> (built) to <paramref name="path"/> atomically;
    /// <paramref name="extraMetadata"/> is merged into metadata.json beside the format, version, seed, feature names and
    /// compile settings.
    /// </summary>
    public static void Save(Sequential model, string path, JsonObject? extraMetadata = null)
    {
        if (!model.IsBuilt) throw new StrataException($"Model '{model.Name}' has no weights yet; build or train it before saving.");
        var metadata = extraMetadata?.DeepClone().AsObject() ?? [];
        metadata["format"] = "strata";
        metadata["strata_version"] = typeof(ModelFile).Assembly.GetName().Version?.ToString(3);
        metadata["seed"] = model.Seed;
        if (model.FeatureNames is { } names) metadata["feature_names"] = new JsonArray(names.Select(n => (JsonNode)n).ToArray());
        if (model.Optimizer is not null && model.Loss is not null)
        {
            metadata["compile"] = new JsonObject
            {
                ["optimizer"] = new JsonObject { ["class_name"] = model.Optimizer.ClassName, ["config"] = model.Optimizer.GetConfig() },
                ["loss"] = model.Loss.Name,
                ["metrics"] = new JsonArray(model.MetricNames.Select(n => (JsonNode)n).ToArray()),
            };
        }
        var weights = model.Variables.Select(v => (v.Path, v.Value)).ToList();

        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            Write(zip, "config.json", Encoding.UTF8.GetBytes(model.GetConfig().ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
            Write(zip, "model.safetensors", entry => SafeTensors.Write(entry, weights));
            Write(zip, "metadata.json", Encoding.UTF8.GetBytes(metadata.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
        });
    }

    /// <summary>
    /// Loads a model, compiled again when the file records its compile settings. A Keras model file
    /// (.h5 or .keras, told apart by its first bytes) loads through <see cref="KerasModelFile"/>, uncompiled.
    /// </summary>
    public static Sequential Load(string path)
    {
        InputFile.Require(path, "Model file");
        if (KerasModelFile.IsKerasFile(path)) return KerasModelFile.Load(path);
        var entries = ReadEntries(path, new HashSet<string> { "config.json", "model.safetensors", "metadata.json" }, "Strata model file");
        byte[] Entry(string name) => entries.TryGetValue(name, out var b) ? b : throw new StrataException($"{path}: the model file has no {name}.");

        return Reading(path, () =>
        {
            var metadata = entries.ContainsKey("metadata.json") ? ParseJson(Entry("metadata.json"), path, "metadata.json") as JsonObject ?? [] : [];
            int seed = metadata["seed"] is JsonValue sv && sv.TryGetValue(out int si) ? si : 0;
            var tensors = SafeTensors.Deserialize(Entry("model.safetensors"), $"{path} (model.safetensors)");
            var model = FromConfigWithin(ParseJson(Entry("config.json"), path, "config.json"), tensors.Values.Sum(t => (long)t.Size), seed);
            if (!model.IsBuilt) throw new StrataException($"{path}: the config does not give the input shape (no InputLayer).");
            AssignWeights(model, tensors, path);

            if (metadata["feature_names"] is JsonArray features) model.FeatureNames = JsonField.Elements<string>(features, "feature_names", $"{path} (metadata.json)");
            if (metadata["compile"] is JsonObject compile)
            {
                var metrics = compile["metrics"] is JsonArray m ? JsonField.Elements<string>(m, "the compile metrics", $"{path} (metadata.json)") : [];
                model.Compile(OptimizerRegistry.FromConfig(compile["optimizer"]), LossRegistry.FromConfig(compile["loss"]), metrics);
            }
            model.Metadata = metadata;
            model.Origin = new ModelOrigin("strata", null, null, []);
            return model;
        });
    }

    /// <summary>
    /// Reads a model file with <paramref name="read"/> so that every error names the file: a message not
    /// starting with <paramref name="path"/> gets it in front, and the exceptions a value of the wrong kind
    /// raises (a number where a name belongs, ... in a damaged or hostile file) become a damaged-file error.
    /// </summary>
    internal static T Reading<T>(string path, Func<T> read) => StrataException.Naming(path, () =>
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            throw new StrataException($"{path}: the model file is damaged: {e.Message}", e);
        }
    });

    /// <summary>
    /// A model from its config that may not declare more weight values than <paramref name="values"/>
    /// (what the file holds): checked before each allocation, so a hostile config cannot claim gigabytes.
    /// </summary>
    internal static Sequential FromConfigWithin(JsonNode? config, long values, int seed)
    {
        var previous = Layers.Layer.WeightBudget.Value;
        Layers.Layer.WeightBudget.Value = new System.Runtime.CompilerServices.StrongBox<long>(values);
        try
        {
            return Sequential.FromConfig(config, seed);
        }
        finally
        {
            Layers.Layer.WeightBudget.Value = previous;
        }
    }

    /// <summary>
    /// Loads variables from a safetensors file whose tensor names are the variables' paths
    /// (dense/kernel, batch_normalization/moving_mean, ...), such as one written by another tool.
    /// </summary>
    public static void LoadWeights(Sequential model, string path)
    {
        if (!model.IsBuilt) throw new StrataException($"Model '{model.Name}' must be built (know its input shape) before loading weights.");
        InputFile.Require(path, "Weights file");
        if (new FileInfo(path).Length > MaxEntryBytes) throw new StrataException($"{path}: the weights file is implausibly large.");
        AssignWeights(model, SafeTensors.Deserialize(File.ReadAllBytes(path), path), path);
    }

    /// <summary>Writes the variables to a safetensors file, named by their paths; the write is atomic.</summary>
    public static void SaveWeights(Sequential model, string path)
    {
        if (!model.IsBuilt) throw new StrataException($"Model '{model.Name}' has no weights yet; build or train it before saving.");
        var weights = model.Variables.Select(v => (v.Path, v.Value)).ToList();
        AtomicFile.Write(path, stream => SafeTensors.Write(stream, weights));
    }

    private static void AssignWeights(Sequential model, IReadOnlyDictionary<string, Tensor> tensors, string path)
    {
        var variables = model.Variables.ToList();
        foreach (var v in variables)
        {
            if (!tensors.TryGetValue(v.Path, out var t))
                throw new StrataException($"{path}: the weights have no '{v.Path}'.");
            if (!t.Shape.SequenceEqual(v.Value.Shape))
                throw new StrataException($"{path}: weight '{v.Path}' has shape {ShapeOps.Format(t.Shape)} but the config needs {ShapeOps.Format(v.Value.Shape)}.");
        }
        var unknown = tensors.Keys.Except(variables.Select(v => v.Path)).ToList();
        if (unknown.Count > 0) throw new StrataException($"{path}: the weights hold tensors no layer uses: {string.Join(", ", unknown)}.");
        // Copied only once everything fits: a refused file leaves the model as it was.
        foreach (var v in variables) v.Value.CopyFrom(tensors[v.Path]);
    }

    /// <summary>
    /// The named entries of a zip file, each checked for a plausible size and compression ratio
    /// before it is read; other entries are ignored.
    /// </summary>
    internal static Dictionary<string, byte[]> ReadEntries(string path, IReadOnlySet<string> names, string what)
    {
        using var stream = File.OpenRead(path);
        return ReadEntries(stream, path, names, what);
    }

    /// <summary>
    /// The named entries of a zip held in <paramref name="stream"/>, as <see cref="ReadEntries(string, IReadOnlySet{string}, string)"/>;
    /// with <paramref name="refuseTraversal"/>, an entry whose name climbs out of the archive (.., a rooted path)
    /// makes the whole file suspect (a .strata file ignores entries it does not know, whatever their names).
    /// </summary>
    internal static Dictionary<string, byte[]> ReadEntries(Stream stream, string path, IReadOnlySet<string> names, string what, bool refuseTraversal = false)
    {
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            var entries = new Dictionary<string, byte[]>();
            foreach (var entry in zip.Entries)
            {
                if (refuseTraversal && IsTraversal(entry.FullName))
                    throw new StrataException($"{path}: entry '{entry.FullName}' points outside the archive; the file is damaged or hostile.");
                if (!names.Contains(entry.FullName)) continue;
                if (IsImplausibleSize(entry))
                    throw new StrataException($"{path}: entry '{entry.FullName}' declares an implausible size ({entry.Length} bytes from {entry.CompressedLength}).");
                using var s = entry.Open();
                var buffer = new MemoryStream();
                s.CopyTo(buffer);
                entries[entry.FullName] = buffer.ToArray();
            }
            return entries;
        }
        catch (InvalidDataException e)
        {
            throw new StrataException($"{path}: not a {what} (not a valid zip archive: {e.Message}).", e);
        }
    }

    /// <summary>Whether a zip entry declares more than any file Strata reads can hold, or more than deflate can expand to.</summary>
    internal static bool IsImplausibleSize(ZipArchiveEntry entry) =>
        entry.Length > MaxEntryBytes || (entry.CompressedLength > 0 && entry.Length / (double)entry.CompressedLength > MaxCompressionRatio);

    /// <summary>Whether a zip entry's name climbs out of the archive (.., a rooted or drive path).</summary>
    internal static bool IsTraversal(string name) =>
        name.StartsWith('/') || name.StartsWith('\\') || (name.Length > 1 && name[1] == ':')
        || name.Split('/', '\\').Any(part => part == "..");

    internal static JsonNode? ParseJson(byte[] bytes, string path, string entry)
    {
        try { return JsonNode.Parse(bytes); }
        catch (JsonException e) { throw new StrataException($"{path}: {entry} is not valid JSON ({e.Message}).", e); }
    }

    internal static void Write(ZipArchive zip, string name, byte[] bytes, CompressionLevel level = CompressionLevel.Fastest) =>
        Write(zip, name, s => s.Write(bytes), level);

    /// <summary>Adds an entry whose content <paramref name="write"/> streams in: a zip being created writes it straight to the file.</summary>
    internal static void Write(ZipArchive zip, string name, Action<Stream> write, CompressionLevel level = CompressionLevel.Fastest)
    {
        var entry = zip.CreateEntry(name, level);
        // A fixed timestamp keeps the file identical for identical models.
        entry.LastWriteTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var s = entry.Open();
        write(s);
    }
}
