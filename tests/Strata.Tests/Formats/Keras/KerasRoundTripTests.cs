using System.IO.Compression;
using PureHDF;
using Strata.Formats;
using Strata.Formats.Keras;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Formats.Keras;

/// <summary>
/// Keras files written by <see cref="KerasExport"/> and read back by <see cref="KerasModelFile"/>: .strata →
/// .keras or .h5 → Strata, and a Keras 3 file → Strata → .keras, keep every weight bit for bit and every
/// prediction; the rewritten weights file holds the original's groups and values.
/// </summary>
public sealed class KerasRoundTripTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "keras");
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-keras-rt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> ModelsAndFormats
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (string name in KerasTestModels.Names)
                foreach (string format in new[] { "keras", "h5" }) data.Add(name, format);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ModelsAndFormats))]
    public void AStrataModelWrittenAsKerasReadsBackBitForBit(string name, string format)
    {
        var model = KerasTestModels.Model(name);
        string strata = Path.Combine(_dir, name + ".strata"), keras = Path.Combine(_dir, $"{name}.{format}");
        model.Save(strata);
        var saved = Sequential.Load(strata);
        if (format == "keras") KerasExport.SaveKeras(saved, keras);
        else KerasExport.SaveH5(saved, keras);

        var loaded = Sequential.Load(keras);
        Assert.Equal(format == "keras" ? "keras-v3" : "keras-h5", loaded.Origin!.Format);
        Assert.Equal(model.Layers.Select(l => (l.Name, l.ClassName)), loaded.Layers.Select(l => (l.Name, l.ClassName)));
        AssertSameWeights(model, loaded);
        var x = KerasTestModels.Input(model);
        AssertSameBits(model.Predict(x).Data, loaded.Predict(x).Data, "predictions");

        // And back to the native format.
        string again = Path.Combine(_dir, name + "-again.strata");
        loaded.Save(again);
        AssertSameWeights(model, Sequential.Load(again));
    }

    [Theory]
    [InlineData("keras3.keras")]
    [InlineData("keras3-windows.keras")]
    public void AKeras3FileWrittenAgainHoldsTheSameGroupsAndValues(string file)
    {
        string original = Path.Combine(Fixtures, file), written = Path.Combine(_dir, "again.keras");
        var model = Sequential.Load(original);
        KerasExport.SaveKeras(model, written);
        var loaded = Sequential.Load(written);
        AssertSameWeights(model, loaded);
        var x = KerasTestModels.Input(model);
        AssertSameBits(model.Predict(x).Data, loaded.Predict(x).Data, "predictions");

        var want = Datasets(original);
        var got = Datasets(written);
        // The Windows variant names its groups 'layers\dense'; Keras 3 itself writes 'layers/dense'.
        Assert.Equal(want.Keys.Select(k => k.Replace('\\', '/')).Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, values) in want)
            Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), got[path.Replace('\\', '/')].Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void ExportToKerasThenPredictGivesTheSamePredictions()
    {
        string source = Path.Combine(_dir, "source.keras"), exported = Path.Combine(_dir, "exported.keras");
        File.Copy(Path.Combine(Fixtures, "keras3.keras"), source);
        var model = Sequential.Load(source);
        string input = Path.Combine(_dir, "x.npy");
        NumpyFile.Write(input, KerasTestModels.Input(model, rows: 5));

        var export = Cli.CliRunner.Run("export", source, "--format", "keras", "--output", exported);
        Assert.True(export.Code == 0, export.Err);
        var predictions = new List<Tensor>();
        foreach (string file in new[] { source, exported })
        {
            string output = Path.Combine(_dir, Path.GetFileNameWithoutExtension(file) + "-y.npy");
            var predict = Cli.CliRunner.Run("predict", file, "--input", input, "--output", output);
            Assert.True(predict.Code == 0, predict.Err);
            predictions.Add(NumpyFile.Read(output));
        }
        Assert.Equal([5, 3], predictions[1].Shape);
        AssertSameBits(predictions[0].Data, predictions[1].Data, "predict");
    }

    private static void AssertSameWeights(Sequential expected, Sequential actual)
    {
        var want = expected.Variables.ToList();
        var got = actual.Variables.ToList();
        Assert.Equal(want.Select(v => v.Path), got.Select(v => v.Path));
        for (int i = 0; i < want.Count; i++)
        {
            Assert.Equal(want[i].Value.Shape, got[i].Value.Shape);
            AssertSameBits(want[i].Value.Data, got[i].Value.Data, want[i].Path);
        }
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what) =>
        Assert.True(expected.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Select(BitConverter.SingleToInt32Bits)), $"{what} differ");

    /// <summary>Every dataset under model.weights.h5's layers group, by path, as float32 values.</summary>
    private static Dictionary<string, float[]> Datasets(string kerasFile)
    {
        using var zip = ZipFile.OpenRead(kerasFile);
        var bytes = new MemoryStream();
        using (var s = zip.GetEntry("model.weights.h5")!.Open()) s.CopyTo(bytes);
        using var h5 = H5File.Open(new MemoryStream(bytes.ToArray()));
        var found = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var child in h5.Children().Where(c => c.Name.StartsWith("layers", StringComparison.Ordinal)))
            Collect(child, child.Name, found);
        return found;
    }

    private static void Collect(IH5Object node, string path, Dictionary<string, float[]> found)
    {
        switch (node)
        {
            case IH5Dataset dataset:
                found[path] = dataset.Read<float[]>();
                break;
            case IH5Group group:
                // A weightless layer's empty vars group is part of the layout too.
                if (group.Name == "vars") found.TryAdd(path + "/", []);
                foreach (var child in group.Children()) Collect(child, $"{path}/{child.Name}", found);
                break;
        }
    }
}
