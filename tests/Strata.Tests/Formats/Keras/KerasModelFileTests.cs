using System.IO.Compression;
using System.Text.Json.Nodes;
using Strata.Formats;
using Strata.Formats.Keras;
using Strata.Layers.Normalization;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Formats.Keras;

/// <summary>
/// The Keras files written by Fixtures/keras/generate_keras_files.py (h5py and numpy, no Keras): each
/// layout loads and gives the outputs of the script's numpy forward pass; bad files are refused in one line.
/// </summary>
public sealed class KerasModelFileTests : IDisposable
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "keras");
    private static readonly Lazy<JsonObject> Expected = new(() => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json")))!);
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-keras-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Layouts => new()
    {
        "keras1.h5", "keras2.h5", "tfkeras210.h5", "tfkeras-h5-named.keras", "functional-chain.h5", "keras3.keras", "keras3-windows.keras",
        "recurrent.keras", "recurrent.h5",
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void EveryLayoutGivesTheNumpyForwardPass(string file)
    {
        var model = Sequential.Load(Path.Combine(Folder, file));
        var expected = Expected.Value[file]!;
        var x = new Tensor(Ints(expected["input_shape"]), Floats(expected["input"]));
        var y = model.Predict(x);
        Assert.Equal(Ints(expected["output_shape"]), y.Shape);
        var want = Floats(expected["output"]);
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(y.Data[i] - want[i]) <= 1e-5, $"{file}: output {i} is {y.Data[i]}, numpy gives {want[i]}");
    }

    [Theory]
    [InlineData("keras1.h5", "keras-h5", null, null, 0)]
    [InlineData("keras2.h5", "keras-h5", "2.1.3", "tensorflow", 2)]
    [InlineData("tfkeras-h5-named.keras", "keras-h5", "2.10.0", "tensorflow", 0)]
    [InlineData("keras3.keras", "keras-v3", "3.6.0", null, 2)]
    public void TheOriginSaysWhatWroteTheFile(string file, string format, string? version, string? backend, int ignored)
    {
        var origin = Sequential.Load(Path.Combine(Folder, file)).Origin!;
        Assert.Equal(format, origin.Format);
        Assert.Equal(version, origin.KerasVersion);
        Assert.Equal(backend, origin.Backend);
        Assert.Equal(ignored, origin.Ignored.Count);
    }

    [Fact]
    public void SummarySaysWhichFormatAndKerasVersionTheFileCameFrom()
    {
        var (code, stdout, _) = Cli.CliRunner.Run("summary", Path.Combine(Folder, "keras2.h5"));
        Assert.Equal(0, code);
        Assert.Contains("p_re_lu_1 (PReLU)", stdout);
        Assert.Contains(" Loaded from: Keras legacy HDF5 file (Keras 2.1.3, tensorflow backend); not loaded: training_config (the compile settings), optimizer_weights (the optimizer's state)", stdout);
    }

    [Fact]
    public void TheFormatIsDecidedByTheFirstBytesNotTheName()
    {
        string copy = Path.Combine(_dir, "model.strata");
        File.Copy(Path.Combine(Folder, "keras3.keras"), copy);
        Assert.Equal("keras-v3", Sequential.Load(copy).Origin!.Format);
        Assert.True(KerasModelFile.IsHdf5(Path.Combine(Folder, "tfkeras-h5-named.keras")));
        Assert.False(KerasModelFile.IsKerasFile(Path.Combine(Folder, "expected.json")));
    }

    [Fact]
    public void Keras1RunningStdIsTheMovingVariance()
    {
        var model = Sequential.Load(Path.Combine(Folder, "keras1.h5"));
        var bn = model.Layers.OfType<BatchNormalization>().Single();
        Assert.Equal("batchnormalization_1", bn.Name);
        // The generator drew the "running_std" from [0.5, 1.5): a variance read as a standard deviation would be squared.
        Assert.All(bn.MovingVariance!.Value.Data, v => Assert.InRange(v, 0.5f, 1.5f));
    }

    [Theory]
    [InlineData("bad-missing-weight.h5", "layer 'dense_1' (Dense) has no weight 'bias'")]
    [InlineData("bad-shape.h5", "weight 'dense_1/kernel' (dense_1/kernel:0 in the file) has shape (4, 2) but the config needs (3, 2)")]
    [InlineData("bad-huge.h5", "weight 'dense_1/kernel:0' declares 2147483648 values, more than the")]
    [InlineData("bad-branch.h5", "layer 'global_max_pooling1d' feeds 2 layers (dense, dense_1)")]
    public void BadFilesGiveOneLineErrorsNamingTheFileAndWeight(string file, string message)
    {
        string path = Path.Combine(Folder, file);
        var e = Assert.Throws<StrataException>(() => Sequential.Load(path));
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("keras2.h5", 0.5)]
    [InlineData("keras2.h5", 0.97)]
    [InlineData("keras3.keras", 0.6)]
    [InlineData("keras3.keras", 0.995)]
    public void TruncatedFilesAreRefused(string file, double keep)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, file));
        string path = Path.Combine(_dir, file);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);
        var e = Assert.Throws<StrataException>(() => Sequential.Load(path));
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("../config.json")]
    [InlineData("/etc/model.weights.h5")]
    [InlineData("assets\\..\\..\\x")]
    public void ZipEntriesThatClimbOutOfTheArchiveAreRefused(string name)
    {
        string path = Path.Combine(_dir, "traversal.keras");
        File.Copy(Path.Combine(Folder, "keras3.keras"), path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
            using (var s = zip.CreateEntry(name).Open()) s.Write("{}"u8);
        var e = Assert.Throws<StrataException>(() => Sequential.Load(path));
        Assert.Contains($"entry '{name}' points outside the archive", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AKeras3FileWithoutItsWeightsNamesTheEntry()
    {
        string path = Path.Combine(_dir, "no-weights.keras");
        File.Copy(Path.Combine(Folder, "keras3.keras"), path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update)) zip.GetEntry("model.weights.h5")!.Delete();
        var e = Assert.Throws<StrataException>(() => Sequential.Load(path));
        Assert.Equal($"{path}: the .keras file has no model.weights.h5.", e.Message);
    }

    [Fact]
    public void ALoadedKerasModelSavesAsStrataWithTheSameWeights()
    {
        var model = Sequential.Load(Path.Combine(Folder, "tfkeras210.h5"));
        string path = Path.Combine(_dir, "model.strata");
        model.Save(path);
        var again = Sequential.Load(path);
        Assert.Equal(model.GetWeights(), again.GetWeights());
        Assert.Equal("strata", again.Origin!.Format);
    }

    private static int[] Ints(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<int>()).ToArray();

    private static float[] Floats(JsonNode? node) => node!.AsArray().Select(n => (float)n!.GetValue<double>()).ToArray();
}
