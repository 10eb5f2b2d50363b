using System.Globalization;
using Strata.Data;
using Strata.Runs;
using Strata.Models;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Cli;

/// <summary>
/// `strata recalibrate`'s options on a model trained from a spec whose split_seed is not 0: which
/// rows it recalibrates on (the split's training rows, every row, or N batches), checked against the
/// row counts of the split and against RecalibrateBatchNorm on those rows.
/// </summary>
public sealed class ModelCommandTests : IDisposable
{
    // 1599 rows, validation_split 0.3: round(479.7) = 480 held out, 1119 for training.
    private const int Rows = 1599, TrainingRows = 1119, SplitSeed = 7;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-model-commands-");
    private readonly string _model;

    public ModelCommandTests()
    {
        var spec = CliRunner.SmallRedWineSpec(epochs: 1);
        spec["data"]!["split_seed"] = SplitSeed;
        string specPath = Path.Combine(_dir.FullName, "seeded-split.json");
        File.WriteAllText(specPath, spec.ToJsonString());
        _model = TrainingRun.Execute(TrainingSpec.Load(specPath), Path.Combine(_dir.FullName, "run")).OutputDirectory;
        _model = Path.Combine(_model, "model.strata");
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private static string DataPath => Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv");

    private static (Strata.Tensors.Tensor X, Strata.Tensors.Tensor Y) AllRows()
    {
        var (x, y, _) = CsvTable.Load(DataPath).Split("quality");
        return (x, y);
    }

    /// <summary>The model file's weights after recalibrating a fresh load of it on <paramref name="rows"/>.</summary>
    private float[][] RecalibratedOn(Strata.Tensors.Tensor rows, int? batches = null, int batchSize = 256)
    {
        var model = Sequential.Load(_model);
        model.RecalibrateBatchNorm(rows, batches, batchSize);
        return model.GetWeights();
    }

    private (string Out, float[][] Weights) Recalibrate(string data, params string[] options)
    {
        string output = Path.Combine(_dir.FullName, $"recalibrated-{Guid.NewGuid():N}.strata");
        var (code, stdout, stderr) = CliRunner.Run(["recalibrate", _model, "--data", data, "--output", output, .. options]);
        Assert.True(code == 0, stderr);
        return (stdout, Sequential.Load(output).GetWeights());
    }

    private static int LinesWith(string text, string part) => text.Split('\n').Count(l => l.Contains(part, StringComparison.Ordinal));

    [Fact]
    public void ANonZeroSplitSeedRecalibratesOnExactlyThatSplitsTrainingRows()
    {
        var (x, y) = AllRows();
        var (trainX, _, validationX, validationY) = DataSplit.TrainValidation(x, y, 0.3, SplitSeed);
        Assert.Equal(TrainingRows, trainX.Dim(0));
        var expected = RecalibratedOn(trainX);
        // The seed matters: seed 0's training rows give other statistics, so the comparison below can tell them apart.
        Assert.NotEqual(RecalibratedOn(DataSplit.TrainValidation(x, y, 0.3, 0).TrainX), expected);

        // The spec's own file, and a copy elsewhere (split again from the seed the model records).
        string copy = Path.Combine(_dir.FullName, "copy.csv");
        File.Copy(DataPath, copy);
        foreach (var data in new[] { DataPath, copy })
        {
            var (stdout, weights) = Recalibrate(data);
            Assert.Contains($"Recalibrating on the {TrainingRows} training rows of the model's split (validation_split 0.3, split_seed {SplitSeed})", stdout);
            Assert.Equal(3, LinesWith(stdout, $": {TrainingRows} values per channel"));
            Assert.Equal(expected, weights);
            // The validation loss is reported on the held-out rows of that same split.
            var model = Sequential.Load(_model);
            string before = model.Evaluate(validationX, validationY, 256)["loss"].ToString("F4", CultureInfo.InvariantCulture);
            model.SetWeights(weights);
            string after = model.Evaluate(validationX, validationY, 256)["loss"].ToString("F4", CultureInfo.InvariantCulture);
            Assert.Contains($"val_loss: {before} before, {after} after", stdout);
        }
    }

    [Fact]
    public void AllRowsUsesEveryRowAndReportsTheLossOnThem()
    {
        var (x, y) = AllRows();
        var (stdout, weights) = Recalibrate(DataPath, "--all-rows");
        Assert.DoesNotContain("Recalibrating on the", stdout);
        Assert.Equal(3, LinesWith(stdout, $": {Rows} values per channel"));
        Assert.Equal(RecalibratedOn(x), weights);
        var model = Sequential.Load(_model);
        string before = model.Evaluate(x, y, 256)["loss"].ToString("F4", CultureInfo.InvariantCulture);
        model.SetWeights(weights);
        string after = model.Evaluate(x, y, 256)["loss"].ToString("F4", CultureInfo.InvariantCulture);
        Assert.Contains($"\nloss: {before} before, {after} after", stdout);
    }

    [Fact]
    public void BatchesTakesThatManyBatchesOfTheBatchSize()
    {
        var (x, y) = AllRows();
        var trainX = DataSplit.TrainValidation(x, y, 0.3, SplitSeed).TrainX;
        var (stdout, weights) = Recalibrate(DataPath, "--batches", "3", "--batch-size", "100");
        Assert.Equal(3, LinesWith(stdout, ": 300 values per channel"));
        Assert.Equal(RecalibratedOn(trainX, batches: 3, batchSize: 100), weights);
        Assert.NotEqual(RecalibratedOn(trainX, batchSize: 100), weights);

        // More batches than the rows fill: every training row, once.
        (stdout, _) = Recalibrate(DataPath, "--batches", "50", "--batch-size", "100");
        Assert.Equal(3, LinesWith(stdout, $": {TrainingRows} values per channel"));

        var (code, _, stderr) = CliRunner.Run("recalibrate", _model, "--data", DataPath, "--output", Path.Combine(_dir.FullName, "x.strata"), "--batches", "0");
        Assert.Equal(1, code);
        Assert.Contains("batches", stderr);
    }
}
