using System.Text.Json.Nodes;
using Strata.Data;
using Strata.Runs;
using Strata.Models;
using Strata.Tests.Cli;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Runs;

/// <summary>
/// What a model file records of its run (<see cref="TrainingMetadata"/>), and the rows read back
/// with it: a CSV read with the model's columns, and the run's train/validation split reproduced,
/// checked against the split made directly from the CSV with the same fraction and seed.
/// </summary>
public sealed class TrainingMetadataTests : IDisposable
{
    // 1599 rows; the first 500 split 0.3: round(150) = 150 held out, 350 for training.
    private const int Limit = 500, LimitedTrainingRows = 350, SplitSeed = 5;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-metadata-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static string DataPath => Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv");

    /// <summary>A 1-epoch run of the small Red Wine spec (split_seed 5) with the given overrides; returns the model file.</summary>
    private string Train(Action<TrainingSpec> overrides)
    {
        var json = CliRunner.SmallRedWineSpec(epochs: 1);
        json["data"]!["split_seed"] = SplitSeed;
        string specPath = Path.Combine(_dir.FullName, "wine.json");
        File.WriteAllText(specPath, json.ToJsonString());
        var spec = TrainingSpec.Load(specPath);
        overrides(spec);
        string run = Path.Combine(_dir.FullName, $"run-{Guid.NewGuid():N}");
        TrainingRun.Execute(spec, run);
        return Path.Combine(run, "model.strata");
    }

    [Fact]
    public void TheModelFileRecordsTheSpecAndTheOptionsTheRunWasGiven()
    {
        string model = Train(s => { s.Epochs = 2; s.Seed = 9; s.Limit = Limit; });
        var recorded = TrainingMetadata.Of(Sequential.Load(model))!;
        Assert.Equal("red-wine", recorded.Spec.Name);
        Assert.Equal("quality", recorded.Spec.Target);
        Assert.Equal(0.3, recorded.Spec.ValidationSplit);
        Assert.Equal(SplitSeed, recorded.Spec.SplitSeed);
        Assert.Equal(DataPath, recorded.Spec.DataPath);
        // The spec file says 1 epoch and seed 0; the run was given 2, 9 and a limit.
        Assert.Equal(2, recorded.Spec.Epochs);
        Assert.Equal(9, recorded.Spec.Seed);
        Assert.Equal(Limit, recorded.Spec.Limit);
        Assert.Null(recorded.Encoding);
        Assert.Null(recorded.Test);

        // Written and read back, the record keeps the same facts.
        var again = TrainingMetadata.FromJson(recorded.ToJson())!;
        Assert.Equal((2, 9, (int?)Limit, SplitSeed), (again.Spec.Epochs, again.Spec.Seed, again.Spec.Limit, again.Spec.SplitSeed));
        Assert.Null(TrainingMetadata.FromJson(new JsonObject { ["format"] = "strata" }));
    }

    [Fact]
    public void TheSplitOfACopyOfTheDataIsTheRunsSplitAfterItsRowLimit()
    {
        string model = Train(s => s.Limit = Limit);
        var loaded = Sequential.Load(model);
        string copy = Path.Combine(_dir.FullName, "copy.csv");
        File.Copy(DataPath, copy);
        var rows = ModelRows.ReadCsv(loaded, copy);
        Assert.Equal(1599, rows.Count);
        Assert.Equal($"the 1599 rows of {copy}", rows.Description);

        var split = TrainingMetadata.Of(loaded)!.Split(rows, copy)!;
        var (x, y, _) = CsvTable.Load(DataPath).Split("quality");
        var expected = DataSplit.TrainValidation(x.SliceRows(0, Limit), y.SliceRows(0, Limit), 0.3, SplitSeed);
        Assert.Equal(LimitedTrainingRows, split.TrainX.Dim(0));
        Assert.Equal(expected.TrainX.Data, split.TrainX.Data);
        Assert.Equal(expected.ValidationY.Data, split.ValidationY.Data);

        // The spec's own file is read as training read it: the same rows.
        var own = TrainingMetadata.Of(loaded)!.Split(ModelRows.ReadCsv(loaded, DataPath), DataPath)!;
        Assert.Equal(expected.TrainX.Data, own.TrainX.Data);
        Assert.Equal(expected.ValidationX.Data, own.ValidationX.Data);
    }

    [Fact]
    public void ACsvIsReadByColumnNameAndAMissingColumnIsNamed()
    {
        var loaded = Sequential.Load(Train(_ => { }));
        // The first 11 rows with their columns in reverse order.
        string reversed = Path.Combine(_dir.FullName, "reversed.csv");
        File.WriteAllLines(reversed, File.ReadLines(DataPath).Take(11).Select(l => string.Join(';', l.Split(';').Reverse())));
        var rows = ModelRows.ReadCsv(loaded, reversed);
        var (x, y, _) = CsvTable.Load(DataPath).Split("quality");
        Assert.Equal(x.SliceRows(0, 10).Data, rows.X.Data);
        Assert.Equal(y.SliceRows(0, 10).Data, rows.Y!.Data);

        string few = Path.Combine(_dir.FullName, "few.csv");
        File.WriteAllText(few, "alcohol,pH\n9.4,3.5\n");
        var e = Assert.Throws<StrataException>(() => ModelRows.ReadCsv(loaded, few));
        Assert.StartsWith($"{few}: the model needs columns 'fixed acidity'", e.Message);
        // Without the target column the rows cannot be scored.
        File.WriteAllText(few, string.Join(';', File.ReadLines(DataPath).First().Split(';').SkipLast(1)) + "\n" + string.Join(';', Enumerable.Repeat("1", 11)) + "\n");
        Assert.Contains("there is no column 'quality'", Assert.Throws<StrataException>(() => ModelRows.ReadLabeled(loaded, few)).Message);
    }

    [Fact]
    public void EvaluationAndRecalibrationUseTheRunsSplit()
    {
        string model = Train(_ => { });
        var (x, y, _) = CsvTable.Load(DataPath).Split("quality");
        var (trainX, _, validationX, validationY) = DataSplit.TrainValidation(x, y, 0.3, SplitSeed);

        var evaluation = ModelEvaluation.Run(Sequential.Load(model), DataPath);
        Assert.Equal(1599, evaluation.Rows);
        Assert.Equal(Sequential.Load(model).Evaluate(x, y, 256)["loss"], evaluation.Scores["loss"]);

        var recalibrated = Sequential.Load(model);
        var report = ModelRecalibration.Run(recalibrated, DataPath);
        var expected = Sequential.Load(model);
        double before = expected.Evaluate(validationX, validationY, 256)["loss"];
        expected.RecalibrateBatchNorm(trainX, batchSize: 256);
        Assert.Equal(expected.GetWeights(), recalibrated.GetWeights());
        Assert.Equal(1119, report.TrainingRows);
        Assert.Equal(before, report.Before!["loss"]);
        Assert.Equal(expected.Evaluate(validationX, validationY, 256)["loss"], report.After!["loss"]);
        Assert.StartsWith($"Recalibrating on the 1119 training rows of the model's split (validation_split 0.3, split_seed {SplitSeed}).\n", report.ToText());
    }
}
