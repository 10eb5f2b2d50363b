using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PureHDF;
using Strata.Formats;
using Strata.Formats.Keras;
using Strata.Layers;
using Strata.Layers.ActivationLayers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Recurrent;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Formats.Keras;

/// <summary>
/// `strata export --format keras|h5`: the written files read back with PureHDF (structure, attribute
/// JSON, dataset shapes) and their values compared bit for bit with the model's weights. Reading them
/// back is <see cref="KerasRoundTripTests"/>.
/// </summary>
public sealed class KerasExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-keras-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> ModelNames => KerasTestModels.Names;

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void AKerasFileHoldsKeras3sLayoutAndTheModelsWeightsBitForBit(string name)
    {
        var model = KerasTestModels.Model(name);
        string path = Path.Combine(_dir, name + ".keras");
        KerasExport.SaveKeras(model, path);

        using var zip = ZipFile.OpenRead(path);
        Assert.Equal(["metadata.json", "config.json", "model.weights.h5"], zip.Entries.Select(e => e.FullName));
        Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength)); // stored, as Python's zipfile does by default
        var metadata = JsonNode.Parse(Read(zip, "metadata.json"))!.AsObject();
        Assert.Equal(["keras_version", "date_saved"], metadata.Select(p => p.Key));
        Assert.Equal("3.6.0", (string?)metadata["keras_version"]);
        Assert.Matches(new Regex(@"^\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}$"), (string?)metadata["date_saved"]);

        var config = JsonNode.Parse(Read(zip, "config.json"))!.AsObject();
        Assert.Equal(["module", "class_name", "config", "registered_name", "build_config", "compile_config"], config.Select(p => p.Key));
        Assert.Equal("Sequential", (string?)config["class_name"]);
        var inputShape = new JsonArray([null, .. model.InputShape!.Skip(1).Select(d => (JsonNode)d)]);
        Assert.True(JsonNode.DeepEquals(inputShape, config["build_config"]!["input_shape"]));
        var layers = config["config"]!["layers"]!.AsArray();
        Assert.Equal("InputLayer", (string?)layers[0]!["class_name"]);
        Assert.True(JsonNode.DeepEquals(inputShape, layers[0]!["config"]!["batch_shape"]));
        Assert.Equal(model.Layers.Count + 1, layers.Count);
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            var entry = layers[i + 1]!.AsObject();
            Assert.Equal(layer.ClassName, (string?)entry["class_name"]);
            Assert.Equal("keras.layers", (string?)entry["module"]);
            Assert.True(entry.ContainsKey("registered_name") && entry["registered_name"] is null);
            Assert.Equal("DTypePolicy", (string?)entry["config"]!["dtype"]!["class_name"]);
            Assert.Equal(layer.Name, (string?)entry["config"]!["name"]);
            Assert.Equal(layer.Variables.Any(), entry.ContainsKey("build_config"));
        }

        using var h5 = H5File.Open(new MemoryStream(Read(zip, "model.weights.h5")));
        Assert.Empty(h5.Attributes());
        Assert.Equal("sequential", h5.Group("vars").Attribute("name").Read<string>());
        Assert.Empty(h5.Group("vars").Children());
        var groups = KerasNaming.Keras3LayerPaths(model.Layers.Select(l => l.ClassName));
        Assert.Equal(groups.Select(g => g["layers/".Length..]).Order(StringComparer.Ordinal),
            h5.Group("layers").Children().Select(c => c.Name).Order(StringComparer.Ordinal));
        for (int i = 0; i < model.Layers.Count; i++)
        {
            // A recurrent layer's own vars are empty; its cell's hold the variables.
            string? cell = KerasTestModels.Cell(model.Layers[i].ClassName);
            var vars = h5.Group(groups[i] + (cell is null ? "/vars" : "/cell/vars"));
            Assert.Equal(cell ?? model.Layers[i].Name, vars.Attribute("name").Read<string>());
            if (cell is not null)
            {
                Assert.Equal(model.Layers[i].Name, h5.Group(groups[i] + "/vars").Attribute("name").Read<string>());
                Assert.Empty(h5.Group(groups[i] + "/vars").Children());
            }
            var variables = model.Layers[i].Variables.ToList();
            bool counted = model.Layers[i].ClassName == "Normalization";
            Assert.Equal(variables.Count + (counted ? 1 : 0), vars.Children().Count());
            for (int k = 0; k < variables.Count; k++) AssertSame(variables[k].Value, vars.Dataset(k.ToString()), $"{groups[i]}/vars/{k}");
            // Keras's Normalization keeps a vestigial int64 count beside its mean and variance.
            if (counted) Assert.Equal(0L, vars.Dataset("2").Read<long>());
        }
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void AnH5FileHoldsTfKeras2sLayoutAndTheModelsWeightsBitForBit(string name)
    {
        var model = KerasTestModels.Model(name);
        string path = Path.Combine(_dir, name + ".h5");
        KerasExport.SaveH5(model, path);
        Assert.Equal([0x89, (byte)'H', (byte)'D', (byte)'F'], File.ReadAllBytes(path).Take(4));

        using var h5 = H5File.OpenRead(path);
        Assert.Equal("2.12.0", h5.Attribute("keras_version").Read<string>());
        Assert.Equal("tensorflow", h5.Attribute("backend").Read<string>());
        string json = h5.Attribute("model_config").Read<string>();
        // tf.keras 2 writes plain class_name/config pairs, no Keras 3 bookkeeping.
        Assert.DoesNotContain("\"module\"", json);
        Assert.DoesNotContain("registered_name", json);
        var config = JsonNode.Parse(json)!.AsObject();
        Assert.Equal("Sequential", (string?)config["class_name"]);
        var layers = config["config"]!["layers"]!.AsArray();
        Assert.Equal("InputLayer", (string?)layers[0]!["class_name"]);
        Assert.True(JsonNode.DeepEquals(new JsonArray([null, .. model.InputShape!.Skip(1).Select(d => (JsonNode)d)]), layers[0]!["config"]!["batch_input_shape"]));
        Assert.Equal(model.Layers.Select(l => l.ClassName), layers.Skip(1).Select(l => (string?)l!["class_name"]));
        Assert.All(layers.Skip(1), l => Assert.Equal("float32", (string?)l!["config"]!["dtype"]));

        var weights = h5.Group("model_weights");
        Assert.Equal(model.Layers.Select(l => l.Name), weights.Attribute("layer_names").Read<string[]>());
        foreach (var layer in model.Layers)
        {
            var group = weights.Group(layer.Name);
            var variables = layer.Variables.ToList();
            if (variables.Count == 0)
            {
                // An empty float64 array, as tf.keras writes for a layer without weights.
                Assert.Equal(0UL, group.Attribute("weight_names").Space.Dimensions.Aggregate(1UL, (a, b) => a * b));
                continue;
            }
            var names = group.Attribute("weight_names").Read<string[]>();
            string prefix = KerasTestModels.Cell(layer.ClassName) is { } cell ? $"{layer.Name}/{cell}" : layer.Name;
            var expected = variables.Select(v => $"{prefix}/{(layer is DepthwiseConv2D && v.Name == "kernel" ? "depthwise_kernel" : v.Name)}:0").ToList();
            if (layer.ClassName == "Normalization") expected.Add($"{layer.Name}/count:0");
            Assert.Equal(expected, names);
            for (int k = 0; k < variables.Count; k++) AssertSame(variables[k].Value, group.Dataset(names[k]), names[k]);
        }
    }

    [Fact]
    public void TheConfigsSpeakEachKerasVocabulary()
    {
        var model = new Sequential([new InputLayer([-1, 3]), new Dense(4), new BatchNormalization(), new LeakyReLU(0.1, name: "leaky"), new LayerNormalization()]);
        string keras = Path.Combine(_dir, "m.keras"), h5 = Path.Combine(_dir, "m.h5");
        KerasExport.SaveKeras(model, keras);
        KerasExport.SaveH5(model, h5);
        using var zip = ZipFile.OpenRead(keras);
        var k3 = JsonNode.Parse(Read(zip, "config.json"))!["config"]!["layers"]!.AsArray();
        using var file = H5File.OpenRead(h5);
        var k2 = JsonNode.Parse(file.Attribute("model_config").Read<string>())!["config"]!["layers"]!.AsArray();

        // Keras 3.6's BatchNormalization keys, as in the real file's config.json (../shared/keras-files).
        string[] batchNorm = ["name", "trainable", "dtype", "axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
            "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint", "synchronized"];
        Assert.Equal(batchNorm.Order(StringComparer.Ordinal), k3[2]!["config"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(batchNorm.Where(k => k != "synchronized").Order(StringComparer.Ordinal), k2[2]!["config"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(-1, (int)k3[2]!["config"]!["axis"]!);
        Assert.Equal(0.1, (double)k3[3]!["config"]!["negative_slope"]!, 12);
        Assert.Equal(0.1, (double)k2[3]!["config"]!["alpha"]!, 12);
        Assert.Null(k2[3]!["config"]!["negative_slope"]);
        Assert.False((bool)k3[4]!["config"]!["rms_scaling"]!);
        Assert.False(k2[4]!["config"]!.AsObject().ContainsKey("rms_scaling"));
        Assert.Equal("keras.initializers", (string?)k3[1]!["config"]!["kernel_initializer"]!["module"]);
        Assert.True(k3[1]!["config"]!["kernel_initializer"]!.AsObject().ContainsKey("registered_name"));
        Assert.Equal("GlorotUniform", (string?)k2[1]!["config"]!["kernel_initializer"]!["class_name"]);
        // Keras 3.6's Dense keys, as in the real file; tf.keras 2 also writes activity_regularizer.
        string[] dense = ["name", "trainable", "dtype", "units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
            "kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint"];
        Assert.Equal(dense.Order(StringComparer.Ordinal), k3[1]!["config"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(dense.Append("activity_regularizer").Order(StringComparer.Ordinal), k2[1]!["config"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    public static TheoryData<string> StrataOnlyLayers => ["DropConnect", "Residual", "StochasticDepth", "DropBlock2D", "Swapout", "MaxPoolingDropout2D", "WeightedChannelDropout"];

    [Theory]
    [MemberData(nameof(StrataOnlyLayers))]
    public void AStrataOnlyLayerIsNamedAndNoFileIsLeft(string className)
    {
        Layer layer = className switch
        {
            "DropConnect" => new DropConnect(new Dense(3), 0.2, name: "odd"),
            "Residual" => new Residual([new Dense(3)], name: "odd"),
            "StochasticDepth" => new StochasticDepth(0.2, name: "odd"),
            "Swapout" => new Swapout([new Dense(3)], 0.9, 0.5, name: "odd"),
            "MaxPoolingDropout2D" => new MaxPoolingDropout2D(0.2, name: "odd"),
            "WeightedChannelDropout" => new WeightedChannelDropout(0.2, name: "odd"),
            _ => new DropBlock2D(0.2, 1, name: "odd"),
        };
        var model = className is "DropBlock2D" or "MaxPoolingDropout2D" or "WeightedChannelDropout"
            ? new Sequential([new InputLayer([-1, 4, 4, 3]), layer])
            : new Sequential([new InputLayer([-1, 3]), new Dense(3), layer]);
        foreach (var extension in new[] { ".keras", ".h5" })
        {
            string path = Path.Combine(_dir, "odd" + extension);
            var e = Assert.Throws<StrataException>(() => Save(model, path));
            Assert.StartsWith($"Layer 'odd' ({className}) exists only in Strata and has no Keras form", e.Message);
            Assert.Empty(Directory.GetFiles(_dir));
        }
    }

    [Fact]
    public void AStrataOnlyLayerInsideAKerasWrapperIsNamed()
    {
        var model = new Sequential([new InputLayer([-1, 4, 3]), new TimeDistributed(new DropConnect(new Dense(3), 0.2, name: "odd"), name: "steps")]);
        foreach (var extension in new[] { ".keras", ".h5" })
        {
            var e = Assert.Throws<StrataException>(() => Save(model, Path.Combine(_dir, "wrapped" + extension)));
            Assert.StartsWith("Layer 'odd' (DropConnect) exists only in Strata and has no Keras form", e.Message);
            Assert.Empty(Directory.GetFiles(_dir));
        }
    }

    [Fact]
    public void ArgumentsKerasLacksAreRefusedUnlessNeutral()
    {
        var cumulative = new Sequential([new InputLayer([-1, 3]), new BatchNormalization(new BatchNormalizationConfig { MovingStatistics = MovingStatistics.Cumulative, Name = "bn" })]);
        var e = Assert.Throws<StrataException>(() => KerasExport.SaveKeras(cumulative, Path.Combine(_dir, "c.keras")));
        Assert.Equal("Layer 'bn' (BatchNormalization) has moving_statistics=\"cumulative\", which Keras 3 does not have; only \"ema\" can be written.", e.Message);
        Assert.Throws<StrataException>(() => KerasExport.SaveH5(cumulative, Path.Combine(_dir, "c.h5")));

        // Batch renormalization is tf.keras 2's (written with its two extra variables) and not Keras 3's.
        var renorm = new Sequential([new InputLayer([-1, 3]), new BatchNormalization(new BatchNormalizationConfig { Renorm = true, Name = "bn" })]);
        Assert.Contains("renorm=true, which Keras 3 does not have", Assert.Throws<StrataException>(() => KerasExport.SaveKeras(renorm, Path.Combine(_dir, "r.keras"))).Message);
        string h5 = Path.Combine(_dir, "r.h5");
        KerasExport.SaveH5(renorm, h5);
        using var file = H5File.OpenRead(h5);
        Assert.Equal(["bn/gamma:0", "bn/beta:0", "bn/moving_mean:0", "bn/moving_variance:0", "bn/renorm_mean:0", "bn/renorm_stddev:0"],
            file.Group("model_weights/bn").Attribute("weight_names").Read<string[]>());
        Assert.True((bool)JsonNode.Parse(file.Attribute("model_config").Read<string>())!["config"]!["layers"]![1]!["config"]!["renorm"]!);
        Assert.Equal([h5], Directory.GetFiles(_dir));
    }

    [Fact]
    public void TheExportCommandWritesKerasAndH5FilesAndReplacesNothingUnasked()
    {
        var model = KerasTestModels.Model("table");
        string path = Path.Combine(_dir, "m.strata");
        model.Save(path);
        foreach (var format in new[] { "keras", "h5" })
        {
            var (code, stdout, stderr) = Cli.CliRunner.Run("export", path, "--format", format);
            Assert.True(code == 0, stderr);
            string written = Path.Combine(_dir, "m." + format);
            Assert.Contains($"Wrote {written}", stdout);
            Assert.True(File.Exists(written));
            var again = Cli.CliRunner.Run("export", path, "--format", format);
            Assert.Equal(1, again.Code);
            Assert.Contains("give --overwrite to replace it", again.Err);
            Assert.Equal(0, Cli.CliRunner.Run("export", path, "--format", format, "--overwrite").Code);
        }
        var bad = Cli.CliRunner.Run("export", path, "--format", "pb");
        Assert.Equal(2, bad.Code);
        Assert.Contains("knows onnx, keras, h5", bad.Err);
    }

    private static void Save(Sequential model, string path)
    {
        if (path.EndsWith(".keras", StringComparison.Ordinal)) KerasExport.SaveKeras(model, path);
        else KerasExport.SaveH5(model, path);
    }

    private static void AssertSame(Tensor expected, IH5Dataset dataset, string what)
    {
        Assert.True(expected.ShapeArray().Select(d => (ulong)d).SequenceEqual(dataset.Space.Dimensions), $"{what}: shape {string.Join(",", dataset.Space.Dimensions)}");
        var actual = dataset.Read<float[]>();
        // Bit for bit: the same float32 patterns, not merely close values.
        Assert.Equal(expected.Data.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }

    private static byte[] Read(ZipArchive zip, string name)
    {
        using var s = zip.GetEntry(name)!.Open();
        var buffer = new MemoryStream();
        s.CopyTo(buffer);
        return buffer.ToArray();
    }
}
