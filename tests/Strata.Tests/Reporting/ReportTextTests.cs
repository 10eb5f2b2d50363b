using System.Text.Json.Nodes;
using Strata.Advice;
using Strata.Runs;
using Strata.Reporting;
using Strata.Tensors;
using Strata.Tests.Cli;
using Xunit;

namespace Strata.Tests.Reporting;

/// <summary>The text the library gives for the reports the strata command prints, checked against text written out by hand.</summary>
public sealed class ReportTextTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-report-text-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void PredictionsAreWrittenWithRoundTripPrecisionAndDeviationsBesideTheirOutputs()
    {
        var outputs = new Tensor([2, 2], [1.5f, -2f, 0.1f, 3f]);
        Assert.Equal("output_0,output_1\n1.5,-2\n0.1,3\n", new Predictions(outputs).ToCsv());
        var deviation = new Tensor([2, 2], [0.25f, 0f, 1f, 0.5f]);
        Assert.Equal("output_0,output_0_std,output_1,output_1_std\n1.5,0.25,-2,0\n0.1,1,3,0.5\n", new Predictions(outputs, deviation).ToCsv());
        Assert.Equal(2, new Predictions(outputs).Count);
    }

    [Fact]
    public void AnEvaluationPrintsItsRowsAndEachScoreToFourDecimals()
    {
        var evaluation = new ModelEvaluation("the 3 rows of x.csv", 3, new Dictionary<string, double> { ["loss"] = 0.123456, ["mae"] = 2 });
        Assert.Equal("Evaluating on the 3 rows of x.csv\nloss: 0.1235\nmae: 2.0000\n", evaluation.ToText());
    }

    [Fact]
    public void ATrainingRunIsAnnouncedWithItsDataEpochsSeedAndThreads()
    {
        string path = Path.Combine(_dir.FullName, "wine.json");
        File.WriteAllText(path, CliRunner.SmallRedWineSpec(epochs: 7).ToJsonString());
        var spec = TrainingSpec.Load(path);
        Assert.Equal("Training 'red-wine' on red-wine.csv for 7 epochs (seed 0, 2 threads)", TrainingRunText.Starting(spec, 2));
        spec.Limit = 300;
        spec.Seed = 4;
        Assert.Equal("Training 'red-wine' on red-wine.csv (first 300 rows) for 7 epochs (seed 4, 1 threads)", TrainingRunText.Starting(spec, 1));
    }

    [Fact]
    public void AFixedSpecGoesBesideTheOriginalAndStillNamesTheSameDataFile()
    {
        Assert.Equal(Path.Combine("examples", "red-wine-fixed.json"), LintFixReport.DefaultPath(Path.Combine("examples", "red-wine.json")));
        string specDir = Path.Combine(_dir.FullName, "specs");
        Directory.CreateDirectory(specDir);
        File.Copy(Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv"), Path.Combine(_dir.FullName, "wine.csv"));
        var json = CliRunner.SmallRedWineSpec();
        json["data"]!["path"] = "../wine.csv";
        string path = Path.Combine(specDir, "wine.json");
        File.WriteAllText(path, json.ToJsonString());
        var spec = TrainingSpec.Load(path);
        var result = SpecLinter.Fix(spec);
        // One folder deeper, the same file is two levels up.
        string destination = Path.Combine(specDir, "fixed", "wine-fixed.json");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        LintFixReport.Save(result, spec, destination);
        var written = JsonNode.Parse(File.ReadAllText(destination))!;
        Assert.Equal("../../wine.csv", written["data"]!["path"]!.GetValue<string>());
        Assert.Equal("red-wine-fixed", written["name"]!.GetValue<string>());
        var text = LintFixReport.ToText(result, path, destination, []);
        Assert.StartsWith($"{path}: applied {result.Applied.Count} fixes\n", text);
        Assert.EndsWith($"Wrote {destination}\n{destination}: no findings\n", text);
    }
}
