using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Models;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Formats;

/// <summary>Sequential.SaveWeights / LoadWeights: the safetensors file's content, read by hand here, and the round trip.</summary>
public sealed class ModelFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-weights-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static Sequential Model(int width = 4, int seed = 1) =>
        new([new InputLayer([-1, 3]), new Dense(width, "relu"), new BatchNormalization(), new Dense(2)], seed: seed);

    /// <summary>A model trained for a moment, so every variable (moving statistics too) is off its initial value.</summary>
    private static (Sequential Model, Strata.Tensors.Tensor X) Trained()
    {
        var model = Model();
        model.Compile(new Adam(0.01), new MeanSquaredError());
        var x = TestSupport.Random(1, 1.0, 64, 3);
        model.Fit(x, TestSupport.Random(2, 1.0, 64, 2), batchSize: 16, epochs: 2);
        return (model, x);
    }

    [Fact]
    public void TheFileIsSafetensorsNamedByVariablePath()
    {
        var (model, _) = Trained();
        string path = Path.Combine(_dir.FullName, "weights.safetensors");
        model.SaveWeights(path);

        // The format by its specification: u64 little-endian header size, a JSON header, then the data.
        var bytes = File.ReadAllBytes(path);
        int headerSize = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, headerSize))!.AsObject();
        var expected = new (string Name, int[] Shape)[]
        {
            ("dense/kernel", [3, 4]), ("dense/bias", [4]),
            ("batch_normalization/gamma", [4]), ("batch_normalization/beta", [4]),
            ("batch_normalization/moving_mean", [4]), ("batch_normalization/moving_variance", [4]),
            ("dense_1/kernel", [4, 2]), ("dense_1/bias", [2]),
        };
        Assert.Equal(expected.Select(e => e.Name).Order(StringComparer.Ordinal), header.Select(kv => kv.Key).Where(k => k != "__metadata__").Order(StringComparer.Ordinal));
        var variables = model.Variables.ToDictionary(v => v.Path);
        foreach (var (name, shape) in expected)
        {
            var entry = header[name]!;
            Assert.Equal("F32", entry["dtype"]!.GetValue<string>());
            Assert.Equal(shape, entry["shape"]!.AsArray().Select(d => d!.GetValue<int>()));
            var offsets = entry["data_offsets"]!.AsArray().Select(o => o!.GetValue<int>()).ToArray();
            var data = bytes.AsSpan(8 + headerSize + offsets[0], offsets[1] - offsets[0]);
            var values = new float[data.Length / 4];
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
            Assert.Equal(variables[name].Value.Data, values);
        }
    }

    [Fact]
    public void WeightsLoadIntoAFreshModelOfTheSameConfigWhichThenPredictsIdentically()
    {
        var (model, x) = Trained();
        string path = Path.Combine(_dir.FullName, "weights.safetensors");
        model.SaveWeights(path);
        // Another seed: different initial weights, so equality below comes from the file.
        var fresh = Model(seed: 99);
        Assert.NotEqual(model.GetWeights(), fresh.GetWeights());
        fresh.LoadWeights(path);
        Assert.Equal(model.GetWeights(), fresh.GetWeights());
        Assert.Equal(model.Predict(x).Data, fresh.Predict(x).Data);
    }

    [Fact]
    public void AModelOfAnotherShapeIsRefusedNamingTheWeightAndShapes()
    {
        var (model, _) = Trained();
        string path = Path.Combine(_dir.FullName, "weights.safetensors");
        model.SaveWeights(path);
        var wider = Model(width: 5);
        var e = Assert.Throws<StrataException>(() => wider.LoadWeights(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("'dense/kernel' has shape (3, 4) but the config needs (3, 5)", e.Message);

        // Only the last layer differs: the refusal leaves the layers before it as they were, not half loaded.
        var otherOutput = new Sequential([new InputLayer([-1, 3]), new Dense(4, "relu"), new BatchNormalization(), new Dense(3)], seed: 7);
        var before = otherOutput.GetWeights();
        var last = Assert.Throws<StrataException>(() => otherOutput.LoadWeights(path));
        Assert.Contains("'dense_1/kernel' has shape (4, 2) but the config needs (4, 3)", last.Message);
        Assert.Equal(before, otherOutput.GetWeights());

        var withoutNormalization = new Sequential([new InputLayer([-1, 3]), new Dense(4, "relu"), new Dense(2)], seed: 1);
        var extra = Assert.Throws<StrataException>(() => withoutNormalization.LoadWeights(path));
        Assert.Contains("batch_normalization/gamma", extra.Message);

        var missing = Assert.Throws<StrataException>(() => model.LoadWeights(Path.Combine(_dir.FullName, "none.safetensors")));
        Assert.Contains("none.safetensors", missing.Message);
    }
}
