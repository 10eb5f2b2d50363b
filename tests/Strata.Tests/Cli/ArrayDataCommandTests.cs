using System.Globalization;
using Strata.Data;
using Strata.Formats;
using Strata.Models;
using Strata.Runs;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Cli;

/// <summary>A small Fashion-MNIST model, trained once for the tests that feed it arrays and IDX directories.</summary>
public sealed class FashionModel : IDisposable
{
    public FashionModel()
    {
        string specPath = System.IO.Path.Combine(Directory.FullName, "fashion.json");
        File.WriteAllText(specPath, CliRunner.SmallFashionSpec().ToJsonString());
        var (code, _, stderr) = CliRunner.Run("train", specPath, "--out", System.IO.Path.Combine(Directory.FullName, "run"), "--epochs", "1", "--limit", "256");
        Assert.True(code == 0, stderr);
    }

    public DirectoryInfo Directory { get; } = System.IO.Directory.CreateTempSubdirectory("strata-array-commands-");

    public string Path => System.IO.Path.Combine(Directory.FullName, "run", "model.strata");

    public void Dispose() => Directory.Delete(recursive: true);
}

/// <summary>
/// predict, evaluate, recalibrate and diagnose on an image model, fed .npy and .npz arrays and the IDX
/// directory, checked against the library calls on the images read from the IDX files.
/// </summary>
public sealed class ArrayDataCommandTests(FashionModel trained) : IClassFixture<FashionModel>
{
    private static readonly ImageDataset Sample = Datasets.FashionMnist(CliRunner.FashionSample);

    private string Temp(string name) => Path.Combine(trained.Directory.FullName, $"{Guid.NewGuid():N}-{name}");

    private static string F4(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    [Fact]
    public void PredictReadsAnNpyAndWritesTheOutputsAsAnArrayOfTheOutputShape()
    {
        var x = Sample.TestImages.SliceRows(0, 7);
        string input = Temp("x.npy"), output = Temp("y.npy");
        NumpyFile.Write(input, x);
        var (code, stdout, stderr) = CliRunner.Run("predict", trained.Path, "--input", input, "--output", output);
        Assert.True(code == 0, stderr);
        Assert.Contains($"Wrote 7 predictions to {output}", stdout);
        var written = NumpyFile.Read(output);
        Assert.Equal(new[] { 7, 10 }, written.ShapeArray());
        Assert.Equal(Sequential.Load(trained.Path).Predict(x, 256).Data, written.Data);

        // Monte-Carlo passes go to an .npz as the mean "y" and the deviation "y_std".
        string archive = Temp("y.npz");
        (code, _, stderr) = CliRunner.Run("predict", trained.Path, "--input", input, "--output", archive, "--mc-samples", "3", "--seed", "2");
        Assert.True(code == 0, stderr);
        var arrays = NumpyFile.ReadArrays(archive);
        Assert.Equal(["y", "y_std"], arrays.Select(a => a.Key));
        var expected = Sequential.Load(trained.Path).Predict(x, 3, 2, batchSize: 256);
        Assert.Equal(expected.Mean.Data, arrays[0].Value.Data);
        Assert.Equal(expected.StandardDeviation.Data, arrays[1].Value.Data);
        Assert.Equal(2, CliRunner.Run("predict", trained.Path, "--input", input, "--output", Temp("z.npy"), "--mc-samples", "3").Code);
    }

    [Fact]
    public void InputsOfAnotherShapeAreRefusedNamingTheModelsWholeInputShape()
    {
        string flat = Temp("x.npy");
        NumpyFile.Write(flat, Sample.TestImages.SliceRows(0, 5).Reshape(5, 28, 28));
        var (code, _, stderr) = CliRunner.Run("predict", trained.Path, "--input", flat);
        Assert.Equal(1, code);
        Assert.Contains("the model expects inputs of shape (28, 28, 1)", stderr);
        Assert.Contains("the array has shape (5, 28, 28)", stderr);

        string csv = Temp("x.csv");
        File.WriteAllText(csv, string.Join(',', Enumerable.Range(0, 784).Select(i => $"p{i}")) + "\n" + string.Join(',', Enumerable.Repeat("0", 784)) + "\n");
        (code, _, stderr) = CliRunner.Run("predict", trained.Path, "--input", csv);
        Assert.Equal(1, code);
        Assert.Contains("the model expects inputs of shape (28, 28, 1), which the flat rows of a CSV cannot hold", stderr);
    }

    [Fact]
    public void EvaluateScoresArraysAsItScoresTheIdxDirectory()
    {
        var scores = Sequential.Load(trained.Path).Evaluate(Sample.TestImages, Sample.TestLabels, 256);
        string archive = Temp("test.npz"), images = Temp("images.npy"), labels = Temp("labels.npy");
        NumpyFile.WriteArchive(archive, [new("x", Sample.TestImages), new("y", Sample.TestLabels)]);
        NumpyFile.Write(images, Sample.TestImages);
        // Labels as a vector of 200, the way Keras users keep them.
        NumpyFile.Write(labels, Sample.TestLabels.Reshape(200));
        foreach (var args in new[] { new[] { "--data", CliRunner.FashionSample }, ["--data", archive], ["--data", images, "--targets", labels] })
        {
            var (code, stdout, stderr) = CliRunner.Run(["evaluate", trained.Path, .. args]);
            Assert.True(code == 0, stderr);
            Assert.Contains($"loss: {F4(scores["loss"])}", stdout);
            Assert.Contains($"accuracy: {F4(scores["accuracy"])}", stdout);
        }
        var (_, _, error) = CliRunner.Run("evaluate", trained.Path, "--data", images);
        Assert.Contains("the arrays hold no targets", error);
        string fewer = Temp("fewer.npy");
        NumpyFile.Write(fewer, Sample.TestLabels.SliceRows(0, 150));
        (_, _, error) = CliRunner.Run("evaluate", trained.Path, "--data", images, "--targets", fewer);
        Assert.Contains($"{fewer}: the targets have shape (150, 1), but {images} holds 200 input rows", error);
    }

    [Fact]
    public void RecalibrateTakesTheIdxDirectoryAndArrays()
    {
        // The model trained on the first 256 training images (--limit 256): those are its run's rows.
        var ownRows = IdxFile.ReadImages(Path.Combine(CliRunner.FashionSample, "train-images-idx3-ubyte.gz"), 256);
        foreach (var (rows, options) in new[] { (ownRows, Array.Empty<string>()), (Sample.TrainImages, ["--all-rows"]) })
        {
            var model = Sequential.Load(trained.Path);
            string before = F4(model.Evaluate(Sample.TestImages, Sample.TestLabels, 256)["loss"]);
            model.RecalibrateBatchNorm(rows, null, 256);
            string after = F4(model.Evaluate(Sample.TestImages, Sample.TestLabels, 256)["loss"]);
            string output = Temp("recalibrated.strata");
            var (code, stdout, stderr) = CliRunner.Run(["recalibrate", trained.Path, "--data", CliRunner.FashionSample, "--output", output, .. options]);
            Assert.True(code == 0, stderr);
            Assert.Contains($"Recalibrating on the {rows.Dim(0)} training images", stdout);
            Assert.Contains($"{rows.Dim(0)} values per channel", stdout);
            Assert.Contains($"test_loss: {before} before, {after} after", stdout);
            Assert.Equal(model.GetWeights(), Sequential.Load(output).GetWeights());
        }

        string archive = Temp("train.npz"), destination = Temp("from-array.strata");
        NumpyFile.WriteArchive(archive, [new("x", ownRows)]);
        var (status, _, message) = CliRunner.Run("recalibrate", trained.Path, "--data", archive, "--output", destination);
        Assert.True(status == 0, message);
        var expected = Sequential.Load(trained.Path);
        expected.RecalibrateBatchNorm(ownRows, null, 256);
        Assert.Equal(expected.GetWeights(), Sequential.Load(destination).GetWeights());
    }

    [Fact]
    public void DiagnoseMeasuresOnTheIdxDirectoryAndOnArrays()
    {
        var (code, stdout, stderr) = CliRunner.Run("diagnose", trained.Path, "--data", CliRunner.FashionSample);
        Assert.True(code == 0, stderr);
        Assert.Contains($"the 256 training images of the model's run in {CliRunner.FashionSample}", stdout);

        string archive = Temp("test.npz");
        NumpyFile.WriteArchive(archive, [new("x", Sample.TestImages), new("y", Sample.TestLabels)]);
        (code, stdout, stderr) = CliRunner.Run("diagnose", trained.Path, "--data", archive, "--json");
        Assert.True(code == 0, stderr);
        var fromArrays = System.Text.Json.Nodes.JsonNode.Parse(stdout)!.ToJsonString();
        var direct = Strata.Advice.DiagnosisText.ToJson(Strata.Advice.Diagnosis.Run(Sequential.Load(trained.Path), Sample.TestImages, (Sample.TestImages, Sample.TestLabels), 256, 0)).ToJsonString();
        Assert.Equal(direct, fromArrays);
    }
}
