using System.IO.Compression;
using System.Text.Json.Nodes;
using Strata.Formats;
using Strata.Layers.Normalization;
using Strata.Models;
using Strata.Runs;
using Strata.Tensors;
using Strata.Tests.Cli;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;

namespace Strata.Tests.Runs;

/// <summary>Fine-tuning from a model file: train --initial-weights with a .strata, .h5 or .keras file.</summary>
public sealed class InitialWeightsTests : IDisposable
{
    private static readonly string Keras = Path.Combine(AppContext.BaseDirectory, "Fixtures", "keras");
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-initial-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AKerasBatchNormalizationFrozenInTheFileStaysInInferenceModeWhileFineTuning()
    {
        string path = Path.Combine(_dir, "frozen.keras");
        File.Copy(Path.Combine(Keras, "keras3.keras"), path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("config.json")!;
            JsonNode config;
            using (var s = entry.Open()) config = JsonNode.Parse(s)!;
            config["config"]!["layers"]![2]!["config"]!["trainable"] = false;
            entry.Delete();
            using var w = zip.CreateEntry("config.json").Open();
            w.Write(System.Text.Encoding.UTF8.GetBytes(config.ToJsonString()));
        }
        var file = Sequential.Load(path);
        // The spec's model: the same layers, its own names and initial weights.
        var model = new Sequential(Sequential.FromConfig(file.GetConfig()).Layers.Select(l => l), "spec", seed: 3);
        model.Build([-1, 4]);
        InitialWeights.Apply(model, path);
        Assert.Equal(file.GetWeights(), model.GetWeights());
        var bn = model.Layers.OfType<BatchNormalization>().First();
        Assert.False(bn.Trainable);
        float[] mean = (float[])bn.MovingMean!.Value.Data.Clone(), gamma = (float[])bn.Gamma!.Value.Data.Clone();

        var random = new Random(1);
        var x = new Tensor([32, 4], Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble() * 5).ToArray());
        var y = new Tensor([32, 3], Enumerable.Range(0, 96).Select(i => i % 3 == i / 3 % 3 ? 1f : 0f).ToArray());
        model.Compile(new Adam(), new CategoricalCrossentropy(), []);
        model.Fit(x, y, batchSize: 8, epochs: 2);
        // Keras: a frozen BatchNormalization normalizes with its moving statistics and updates nothing.
        Assert.Equal(mean, bn.MovingMean.Value.Data);
        Assert.Equal(gamma, bn.Gamma.Value.Data);
        Assert.NotEqual(file.GetWeights()[0], model.GetWeights()[0]);
    }

    [Fact]
    public void TrainStartsFromAModelFileAndRefusesOneWithOtherLayers()
    {
        string spec = Path.Combine(_dir, "spec.json");
        File.WriteAllText(spec, CliRunner.SmallRedWineSpec(epochs: 1).ToJsonString());
        var (code, _, err) = CliRunner.Run("train", spec, "--out", Path.Combine(_dir, "first"), "--no-lint");
        Assert.True(code == 0, err);
        string trained = Path.Combine(_dir, "first", "model.strata");

        var (again, _, againErr) = CliRunner.Run("train", spec, "--out", Path.Combine(_dir, "second"), "--no-lint", "--initial-weights", trained);
        Assert.True(again == 0, againErr);
        var first = Sequential.Load(trained);
        var second = Sequential.Load(Path.Combine(_dir, "second", "model.strata"));
        // One more epoch from the trained weights: the validation loss starts where the first run ended, not from scratch.
        Assert.NotEqual(first.GetWeights()[0], second.GetWeights()[0]);
        string firstHistory = File.ReadAllLines(Path.Combine(_dir, "first", "history.csv"))[^1];
        string secondHistory = File.ReadAllLines(Path.Combine(_dir, "second", "history.csv"))[^1];
        Assert.True(double.Parse(secondHistory.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)
            < double.Parse(firstHistory.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture), $"{firstHistory} then {secondHistory}");

        string keras = Path.Combine(Keras, "keras2.h5");
        var (refused, _, refusedErr) = CliRunner.Run("train", spec, "--out", Path.Combine(_dir, "third"), "--no-lint", "--initial-weights", keras);
        Assert.Equal(1, refused);
        Assert.Contains($"{keras}: layer 'conv1d_1' (Conv1D) of the file stands where the spec's model has 'dense' (Dense).", refusedErr);
    }

    [Fact]
    public void AResumeMustNameTheSameInitialWeights()
    {
        string spec = Path.Combine(_dir, "spec.json");
        File.WriteAllText(spec, CliRunner.SmallRedWineSpec(epochs: 2).ToJsonString());
        string first = Path.Combine(_dir, "first");
        Assert.Equal(0, CliRunner.Run("train", spec, "--out", first, "--no-lint", "--epochs", "1").Item1);
        string weights = Path.Combine(first, "model.strata");

        string tuned = Path.Combine(_dir, "tuned");
        var (code, _, err) = CliRunner.Run("train", spec, "--out", tuned, "--no-lint", "--epochs", "1", "--initial-weights", weights);
        Assert.True(code == 0, err);
        // Leaving --initial-weights out on resume would lose what the file said (its frozen layers): refused, naming it.
        var (refused, _, refusedErr) = CliRunner.Run("train", spec, "--resume", tuned, "--no-lint");
        Assert.Equal(1, refused);
        Assert.Contains("initial_weights", refusedErr);
        var (resumed, _, resumedErr) = CliRunner.Run("train", spec, "--resume", tuned, "--no-lint", "--initial-weights", weights);
        Assert.True(resumed == 0, resumedErr);
    }
}
