using System.IO.Compression;
using System.Text.Json.Nodes;
using PureHDF;
using Strata.Formats;
using Strata.Formats.Keras;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Pooling;
using Strata.Layers.Recurrent;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Formats.Keras;

/// <summary>
/// Keras's wrapper layers Bidirectional and TimeDistributed in both Keras file layouts: the files written by
/// Fixtures/keras/generate_keras_wrappers.py (h5py and numpy, no Keras) load and give the script's numpy forward
/// pass; Strata writes them back with the same groups, datasets, shapes and weight names; and a model built in
/// Strata survives the trip through either format.
/// </summary>
public sealed class KerasWrapperTests : IDisposable
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "keras");
    private static readonly Lazy<JsonObject> Expected = new(() => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "expected-wrappers.json")))!);
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-keras-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Files => ["bidirectional-lstm.keras", "bidirectional-lstm.h5", "bidirectional-gru.keras", "bidirectional-gru.h5"];

    [Theory]
    [MemberData(nameof(Files))]
    public void AWrappedModelGivesTheNumpyForwardPass(string file)
    {
        var model = Sequential.Load(Path.Combine(Folder, file));
        AssertGivesExpected(model, file);
    }

    [Theory]
    [InlineData("bidirectional-lstm.keras", "concat", "forward_lstm", "backward_lstm")]
    [InlineData("bidirectional-lstm.h5", "sum", "forward_lstm", "backward_lstm")]
    [InlineData("bidirectional-gru.keras", "ave", "forward_gru", "backward_gru")]
    [InlineData("bidirectional-gru.h5", "mul", "forward_gru", "backward_gru")]
    public void TheWrappedLayersAreNamedAsKerasNamesThem(string file, string mergeMode, string forward, string backward)
    {
        var model = Sequential.Load(Path.Combine(Folder, file));
        var bidirectional = model.Layers.OfType<Bidirectional>().Single();
        Assert.Equal(mergeMode, bidirectional.MergeMode);
        Assert.Equal(forward, bidirectional.ForwardLayer.Name);
        Assert.Equal(backward, bidirectional.BackwardLayer.Name);
        Assert.False((bool)bidirectional.ForwardLayer.GetConfig()["go_backwards"]!);
        Assert.True((bool)bidirectional.BackwardLayer.GetConfig()["go_backwards"]!);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void StrataWritesTheFixturesLayoutBackAndItLoads(string file)
    {
        var model = Sequential.Load(Path.Combine(Folder, file));
        string written = Path.Combine(_dir, "written" + Path.GetExtension(file));
        if (file.EndsWith(".keras", StringComparison.Ordinal)) KerasExport.SaveKeras(model, written);
        else KerasExport.SaveH5(model, written);

        // Every group and dataset (with its shape) and every weight_names/layer_names list, as Keras's loader walks them.
        Assert.Equal(Layout(Path.Combine(Folder, file)), Layout(written));
        AssertGivesExpected(Sequential.Load(written), file);
    }

    [Fact]
    public void Keras3ConfigHoldsBothDirectionsAndTheWrappedDense()
    {
        var model = Sequential.Load(Path.Combine(Folder, "bidirectional-lstm.keras"));
        string path = Path.Combine(_dir, "words.keras");
        KerasExport.SaveKeras(model, path);
        using var zip = ZipFile.OpenRead(path);
        using var reader = new StreamReader(zip.GetEntry("config.json")!.Open());
        var layers = JsonNode.Parse(reader.ReadToEnd())!["config"]!["layers"]!.AsArray();

        var bidirectional = layers[2]!["config"]!;
        Assert.Equal("concat", (string?)bidirectional["merge_mode"]);
        foreach (var (key, name, backwards) in new[] { ("layer", "forward_lstm", false), ("backward_layer", "backward_lstm", true) })
        {
            var wrapped = bidirectional[key]!;
            Assert.Equal("LSTM", (string?)wrapped["class_name"]);
            Assert.Equal("keras.layers", (string?)wrapped["module"]);
            Assert.Equal(name, (string?)wrapped["config"]!["name"]);
            Assert.Equal(backwards, (bool)wrapped["config"]!["go_backwards"]!);
            Assert.True((bool)wrapped["config"]!["zero_output_for_mask"]!);
            Assert.Equal("DTypePolicy", (string?)wrapped["config"]!["dtype"]!["class_name"]);
            Assert.True(JsonNode.DeepEquals(new JsonArray(null, 6, 3), wrapped["build_config"]!["input_shape"]));
        }
        var dense = layers[3]!["config"]!["layer"]!;
        Assert.Equal("Dense", (string?)dense["class_name"]);
        Assert.Equal("dense", (string?)dense["config"]!["name"]);
        Assert.True(JsonNode.DeepEquals(new JsonArray(null, 8), dense["build_config"]!["input_shape"]));
    }

    [Fact]
    public void TfKeras2ConfigHoldsTheLayerAsGivenWithoutABackwardLayer()
    {
        var model = Sequential.Load(Path.Combine(Folder, "bidirectional-lstm.h5"));
        string path = Path.Combine(_dir, "words.h5");
        KerasExport.SaveH5(model, path);
        using var h5 = H5File.OpenRead(path);
        var layers = JsonNode.Parse(h5.Attribute("model_config").Read<string>())!["config"]!["layers"]!.AsArray();
        var bidirectional = layers[2]!["config"]!.AsObject();
        Assert.False(bidirectional.ContainsKey("backward_layer"));
        Assert.Equal("lstm", (string?)bidirectional["layer"]!["config"]!["name"]);
        Assert.False(bidirectional["layer"]!.AsObject().ContainsKey("module"));
        Assert.Equal("float32", (string?)bidirectional["layer"]!["config"]!["dtype"]);
    }

    [Theory]
    [InlineData(".keras", "concat")]
    [InlineData(".h5", "mul")]
    [InlineData(".keras", "sum")]
    [InlineData(".h5", "ave")]
    public void AStrataModelWithWrappersRoundTrips(string extension, string mergeMode)
    {
        var model = new Sequential([
            new InputLayer([-1, 5]), new Embedding(6, 3, maskZero: true), new Bidirectional(new GRU(2, returnSequences: true), mergeMode),
            new TimeDistributed(new Dense(3, "relu")), new Bidirectional(new LSTM(2), mergeMode), new Dense(2),
        ], seed: 9);
        var random = new RandomGenerator(5);
        foreach (var v in model.Variables)
            for (int i = 0; i < v.Value.Size; i++) v.Value.Data[i] = (float)(random.NextDouble() - 0.5);
        string path = Path.Combine(_dir, "model" + extension);
        if (extension == ".keras") KerasExport.SaveKeras(model, path);
        else KerasExport.SaveH5(model, path);

        var loaded = Sequential.Load(path);
        Assert.Equal(model.Variables.Select(v => v.Value.Data.Take(v.Value.Size)), loaded.Variables.Select(v => v.Value.Data.Take(v.Value.Size)));
        var x = new Tensor([3, 5], [1, 2, 3, 0, 0, 5, 0, 4, 4, 1, 0, 0, 0, 0, 2]);
        Assert.Equal(model.Predict(x).Data, loaded.Predict(x).Data);
    }

    [Fact]
    public void PaddedStepsOfABidirectionalSequenceAreZero()
    {
        // Keras's Bidirectional forces zero_output_for_mask when it returns sequences.
        var model = new Sequential([new InputLayer([-1, 4]), new Embedding(5, 2, maskZero: true), new Bidirectional(new LSTM(3, returnSequences: true), "sum")], seed: 3);
        var y = model.Predict(new Tensor([2, 4], [1, 2, 0, 0, 0, 3, 4, 0]));
        for (int row = 0; row < 2; row++)
            for (int t = 0; t < 4; t++)
            {
                bool padded = (row, t) is (0, 2) or (0, 3) or (1, 0) or (1, 3);
                for (int u = 0; u < 3; u++)
                    Assert.True(padded == (y.Data[(row * 4 + t) * 3 + u] == 0f), $"row {row} step {t} unit {u}: {y.Data[(row * 4 + t) * 3 + u]}");
            }
    }

    [Fact]
    public void ABackwardLayerUnlikeTheForwardOneIsRefusedByName()
    {
        string path = Path.Combine(_dir, "custom.keras");
        using (var source = ZipFile.OpenRead(Path.Combine(Folder, "bidirectional-gru.keras")))
        using (var target = ZipFile.Open(path, ZipArchiveMode.Create))
            foreach (var entry in source.Entries)
            {
                using var input = entry.Open();
                var bytes = new MemoryStream();
                input.CopyTo(bytes);
                var data = bytes.ToArray();
                if (entry.FullName == "config.json")
                {
                    var config = JsonNode.Parse(data)!;
                    config["config"]!["layers"]![1]!["config"]!["backward_layer"]!["config"]!["activation"] = "relu";
                    data = System.Text.Encoding.UTF8.GetBytes(config.ToJsonString());
                }
                using var output = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                output.Write(data);
            }
        var e = Assert.Throws<StrataException>(() => Sequential.Load(path));
        Assert.Contains("Bidirectional layer 'bidirectional': a backward_layer other than the wrapped layer with go_backwards flipped is not supported", e.Message);
    }

    private static void AssertGivesExpected(Sequential model, string file)
    {
        var expected = Expected.Value[file]!;
        var x = new Tensor(Ints(expected["input_shape"]), Floats(expected["input"]));
        var y = model.Predict(x);
        Assert.Equal(Ints(expected["output_shape"]), y.Shape);
        var want = Floats(expected["output"]);
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(y.Data[i] - want[i]) <= 1e-5, $"{file}: output {i} is {y.Data[i]}, numpy gives {want[i]}");
    }

    /// <summary>Every object of a Keras file's weights (model.weights.h5 of a .keras zip, the whole of an .h5): its path, a dataset's shape, and the name lists tf.keras reads.</summary>
    private static List<string> Layout(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (path.EndsWith(".keras", StringComparison.Ordinal))
        {
            using var zip = new ZipArchive(new MemoryStream(bytes));
            var buffer = new MemoryStream();
            using (var entry = zip.GetEntry("model.weights.h5")!.Open()) entry.CopyTo(buffer);
            bytes = buffer.ToArray();
        }
        using var file = H5File.Open(new MemoryStream(bytes));
        var layout = new List<string>();
        Walk(file, "", layout);
        layout.Sort(StringComparer.Ordinal);
        return layout;
    }

    private static void Walk(IH5Group group, string path, List<string> layout)
    {
        foreach (string list in new[] { "layer_names", "weight_names" })
            if (group.AttributeExists(list))
            {
                var attribute = group.Attribute(list);
                layout.Add(attribute.Type.Class == H5DataTypeClass.FloatingPoint ? $"{path} @{list} []" : $"{path} @{list} [{string.Join(", ", attribute.Read<string[]>())}]");
            }
        foreach (var child in group.Children())
        {
            string childPath = $"{path}/{child.Name}";
            if (child is IH5Group g)
            {
                layout.Add(childPath + "/");
                Walk(g, childPath, layout);
            }
            else if (child is IH5Dataset d) layout.Add($"{childPath} ({string.Join(", ", d.Space.Dimensions)})");
        }
    }

    private static int[] Ints(JsonNode? node) => node!.AsArray().Select(n => (int)n!).ToArray();

    private static float[] Floats(JsonNode? node) => node!.AsArray().Select(n => (float)(double)n!).ToArray();
}
