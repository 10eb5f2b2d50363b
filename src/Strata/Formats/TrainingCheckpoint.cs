using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Strata.Tensors;
using Strata.Training;
using Strata.Models;

namespace Strata.Formats;

/// <summary>
/// A <see cref="TrainingState"/> on disk: a zip holding state.json (epoch, counters, generator
/// states, row order, callback states, the history as CSV and whatever the caller adds),
/// weights.safetensors (the variables by path) and optimizer.safetensors (each variable's state
/// buffers, "path#slot"). Written atomically, so a run killed at any moment leaves the previous
/// checkpoint whole.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The checkpoint's file name inside a run's output folder.</summary>
    public const string FileName = "checkpoint.strata-state";

    /// <summary>
    /// Writes <paramref name="state"/> of <paramref name="model"/> to <paramref name="path"/> atomically;
    /// <paramref name="info"/> is stored in state.json as given.
    /// </summary>
    public static void Save(Sequential model, TrainingState state, string path, JsonObject? info = null) =>
        AtomicFile.Write(path, Writer(model, state, info));

    /// <summary>
    /// Writes the file's bytes before returning (the state may hold the model's own arrays, which the
    /// next batch changes) and leaves the flush to disk and the rename into place to the returned task.
    /// </summary>
    internal static Task SaveSyncingInBackground(Sequential model, TrainingState state, string path, JsonObject? info = null) =>
        AtomicFile.WriteSyncingInBackground(path, Writer(model, state, info));

    private static Action<Stream> Writer(Sequential model, TrainingState state, JsonObject? info)
    {
        var variables = model.Variables.ToList();
        // Tensors over the state's arrays, streamed into the archive: no copy of them is made.
        var weights = variables.Select((v, i) => (v.Path, new Tensor(v.Value.ShapeArray(), state.Weights[i]))).ToList();
        var slots = state.OptimizerSlots
            .SelectMany(kv => kv.Value.Select((buffer, s) => ($"{kv.Key}#{s}", new Tensor([buffer.Length], buffer))))
            .ToList();
        var json = new JsonObject
        {
            ["format"] = "strata-training-state",
            ["epoch"] = state.Epoch,
            ["stopped"] = state.Stopped,
            ["iterations"] = state.Iterations,
            ["learning_rate"] = state.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["shuffle"] = Words(state.Shuffle),
            ["order"] = Convert.ToBase64String(MemoryMarshal.AsBytes(state.Order.AsSpan())),
            ["streams"] = new JsonArray(state.Streams.Select(s => (JsonNode)Words([s.Seed, s.Step])).ToArray()),
            ["callbacks"] = new JsonArray(state.Callbacks.Select(c => c?.DeepClone()).ToArray()),
            ["history"] = state.History.ToCsv(),
            ["info"] = info?.DeepClone(),
        };
        return stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            ModelFile.Write(zip, "state.json", Encoding.UTF8.GetBytes(json.ToJsonString()));
            // Stored, not deflated: trained floats barely compress, and a checkpoint is written every epoch.
            ModelFile.Write(zip, "weights.safetensors", entry => SafeTensors.Write(entry, weights), CompressionLevel.NoCompression);
            ModelFile.Write(zip, "optimizer.safetensors", entry => SafeTensors.Write(entry, slots), CompressionLevel.NoCompression);
        };
    }

    /// <summary>The state saved in <paramref name="path"/> for <paramref name="model"/>, and the caller's info.</summary>
    public static (TrainingState State, JsonObject? Info) Load(Sequential model, string path)
    {
        InputFile.Require(path, "Checkpoint");
        var entries = ModelFile.ReadEntries(path, new HashSet<string> { "state.json", "weights.safetensors", "optimizer.safetensors" }, "Strata checkpoint");
        byte[] Entry(string name) => entries.TryGetValue(name, out var b) ? b : throw new StrataException($"{path}: the checkpoint has no {name}.");
        var json = ModelFile.ParseJson(Entry("state.json"), path, "state.json") as JsonObject
            ?? throw new StrataException($"{path}: state.json is not a JSON object.");
        try
        {
            string where = $"{path} (state.json)";
            if (json["format"] is not JsonValue format || !format.TryGetValue(out string? f) || f != "strata-training-state") throw new StrataException($"{path}: not a Strata checkpoint.");
            var variables = model.Variables.ToList();
            var tensors = SafeTensors.Deserialize(Entry("weights.safetensors"), $"{path} (weights.safetensors)");
            var weights = variables.Select(v => tensors.TryGetValue(v.Path, out var t) && t.Size == v.Value.Size
                ? (float[])t.Data.Clone()
                : throw new StrataException($"{path}: the checkpoint has no weights of the right size for '{v.Path}'.")).ToArray();
            var buffers = SafeTensors.Deserialize(Entry("optimizer.safetensors"), $"{path} (optimizer.safetensors)");
            var slots = buffers.Keys.GroupBy(k => k[..k.LastIndexOf('#')])
                .ToDictionary(g => g.Key, g => g.OrderBy(k => int.Parse(k[(k.LastIndexOf('#') + 1)..], CultureInfo.InvariantCulture)).Select(k => buffers[k].Data).ToArray());
            var order = MemoryMarshal.Cast<byte, int>(Convert.FromBase64String(JsonField.Required<string>(json, "order", where))).ToArray();
            var streams = JsonField.Array(json, "streams", where).Select(s => Words(s, where))
                .Select(w => w.Length == 2 ? (w[0], w[1]) : throw new StrataException($"{path}: a random stream's state has {w.Length} words instead of 2.")).ToArray();
            var callbacks = JsonField.Array(json, "callbacks", where).Select(c => c?.DeepClone() as JsonObject).ToArray();
            var state = new TrainingState(JsonField.Required<int>(json, "epoch", where), JsonField.Required<bool>(json, "stopped", where), weights,
                JsonField.Required<long>(json, "iterations", where), double.Parse(JsonField.Required<string>(json, "learning_rate", where), CultureInfo.InvariantCulture),
                slots, Words(json["shuffle"], where), order, streams, History.FromCsv(JsonField.Required<string>(json, "history", where), $"{path} (history)"), callbacks);
            return (state, json["info"] as JsonObject);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            throw new StrataException($"{path}: the checkpoint's state is damaged ({e.Message}).", e);
        }
    }

    private static JsonArray Words(IEnumerable<ulong> words) => new(words.Select(w => (JsonNode)w.ToString(CultureInfo.InvariantCulture)).ToArray());

    private static ulong[] Words(JsonNode? node, string where) =>
        node is JsonArray words ? JsonField.Elements<string>(words, "a random state", where).Select(w => ulong.Parse(w, CultureInfo.InvariantCulture)).ToArray()
        : throw new StrataException($"{where}: a random state is not a list of numbers.");
}
