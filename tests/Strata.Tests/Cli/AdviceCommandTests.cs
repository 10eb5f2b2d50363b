using System.Text.Json.Nodes;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Cli;

/// <summary>`strata lint`, `diagnose` and `compare`, and the findings `train` prints, on the Red Wine example.</summary>
public sealed class AdviceCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-advice-").FullName;

    public AdviceCommandTests()
    {
        // 100 epochs, as the example: the fit-aware rules see enough updates. Commands that train pass --epochs.
        File.WriteAllText(SpecPath, CliRunner.SmallRedWineSpec().ToJsonString());
    }

    private string SpecPath => Path.Combine(_dir, "red-wine.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void LintOfTheRedWineExampleReportsTheThreeBatchNormAfterDropoutFindings()
    {
        var (code, stdout, stderr) = Run("lint", Path.Combine(TestSupport.RepositoryRoot, "examples", "red-wine.json"));
        Assert.True(code == 1, stderr);
        Assert.Equal(3, stdout.Split('\n').Count(l => l.Contains("warning batchnorm-after-dropout")));
        Assert.Contains("#1 dropout, #2 batch_normalization", stdout);
        Assert.Contains("#4 dropout_1, #5 batch_normalization_1", stdout);
        Assert.Contains("#7 dropout_2, #8 batch_normalization_2", stdout);
        Assert.Contains("why:", stdout);
        Assert.Contains("see: Li, Chen, Hu and Yang", stdout);
    }

    [Fact]
    public void LintFixWritesASpecThatLintsCleanAndTrains()
    {
        string fixedPath = Path.Combine(_dir, "fixed.json");
        var (code, stdout, stderr) = Run("lint", SpecPath, "--fix", "--output", fixedPath);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("applied 6 fixes", stdout);
        var (again, clean, _) = Run("lint", fixedPath);
        Assert.Equal(0, again);
        Assert.Contains("no findings", clean);
        var (trained, log, err) = Run("train", fixedPath, "--out", Path.Combine(_dir, "fixed-run"), "--epochs", "2");
        Assert.True(trained == 0, err);
        Assert.DoesNotContain("batchnorm-after-dropout", log);
        // One epoch of 5 steps is too few for momentum 0.99, and the linter sees the --epochs override.
        Assert.Contains("batchnorm-few-updates", log);
    }

    [Fact]
    public void LintJsonListsRulesSeveritiesAndLayers()
    {
        var (code, stdout, _) = Run("lint", SpecPath, "--json", "--min-severity", "warning");
        Assert.Equal(1, code);
        var findings = JsonNode.Parse(stdout)!.AsArray();
        Assert.Equal(4, findings.Count);
        Assert.All(findings, f => Assert.Equal("warning", f!["severity"]!.GetValue<string>()));
        var first = findings.First(f => f!["rule"]!.GetValue<string>() == "batchnorm-after-dropout")!;
        Assert.Equal(1, first["layers"]![0]!["index"]!.GetValue<int>());
        Assert.Equal("BatchNormalization", first["layers"]![1]!["class_name"]!.GetValue<string>());
        Assert.True(first["fixable"]!.GetValue<bool>());
    }

    [Fact]
    public void LintSeesTheFitAsEpochsAndLimitWouldRunIt()
    {
        var (_, full, _) = Run("lint", SpecPath, "--rules", "batchnorm-few-updates");
        Assert.Contains("no findings", full);
        // The first 300 rows, 210 of them for training: one batch of 256 per epoch, 3 updates in all.
        var (code, brief, _) = Run("lint", SpecPath, "--rules", "batchnorm-few-updates", "--epochs", "3", "--limit", "300");
        Assert.Equal(1, code);
        Assert.Equal(3, brief.Split('\n').Count(l => l.Contains("warning batchnorm-few-updates")));
        Assert.Contains("gets 3 updates", brief);
    }

    [Fact]
    public void LintWithRanksWarnsAboutBatchNormThatEachRankNormalizesAlone()
    {
        var (_, one, _) = Run("lint", SpecPath, "--rules", "batchnorm-unsynchronized-ranks");
        Assert.Contains("no findings", one);
        // Batches of 256 among 32 ranks: 8 rows each, for each of the three BatchNormalization layers.
        var (code, shared, _) = Run("lint", SpecPath, "--rules", "batchnorm-unsynchronized-ranks", "--ranks", "32");
        Assert.Equal(1, code);
        Assert.Equal(3, shared.Split('\n').Count(l => l.Contains("warning batchnorm-unsynchronized-ranks")));
    }

    [Fact]
    public void LintListsItsRulesAndRejectsAnUnknownOne()
    {
        var (code, stdout, _) = Run("lint", "--list-rules");
        Assert.Equal(0, code);
        foreach (var rule in Strata.Advice.Linter.Rules) Assert.Contains(rule.Id, stdout);
        // The rules the README's table documents, one line each.
        var documented = File.ReadLines(Path.Combine(TestSupport.RepositoryRoot, "README.md"))
            .SkipWhile(l => !l.StartsWith("| rule id |", StringComparison.Ordinal)).Skip(2).TakeWhile(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split('`')[1]).ToList();
        Assert.Equal(documented, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]));
        var (bad, _, err) = Run("lint", SpecPath, "--rules", "no-such-rule");
        Assert.Equal(2, bad);
        Assert.Contains("Unknown lint rule 'no-such-rule'", err);
    }

    [Fact]
    public void TrainPrintsTheFindingsFirstUnlessSilenced()
    {
        var (code, stdout, stderr) = Run("train", SpecPath, "--out", Path.Combine(_dir, "a"), "--epochs", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains("7 findings", stdout);
        Assert.True(stdout.IndexOf("batchnorm-after-dropout", StringComparison.Ordinal) < stdout.IndexOf("Epoch 1/1", StringComparison.Ordinal));
        var (quiet, silent, _) = Run("train", SpecPath, "--out", Path.Combine(_dir, "b"), "--epochs", "1", "--no-lint");
        Assert.Equal(0, quiet);
        Assert.DoesNotContain("batchnorm-after-dropout", silent);
    }

    [Fact]
    public void DiagnoseReportsAVarianceShiftPerBatchNormalizationLayer()
    {
        string run = Path.Combine(_dir, "run");
        Assert.Equal(0, Run("train", SpecPath, "--out", run, "--no-lint", "--epochs", "2").Code);
        var (code, stdout, stderr) = Run("diagnose", Path.Combine(run, "model.strata"));
        Assert.True(code == 0, stderr);
        Assert.Contains("training rows of 'red-wine'", stdout);
        foreach (var name in new[] { "batch_normalization ", "batch_normalization_1", "batch_normalization_2" }) Assert.Contains(name, stdout);
        Assert.Contains("validation loss:", stdout);

        var (jsonCode, json, _) = Run("diagnose", Path.Combine(run, "model.strata"), "--json", "--rows", "500");
        Assert.Equal(0, jsonCode);
        var report = JsonNode.Parse(json)!;
        Assert.Equal(500, report["rows"]!.GetValue<int>());
        var layers = report["batch_normalization"]!.AsArray();
        Assert.Equal(3, layers.Count);
        // Dropout(0.3) right before the first BatchNormalization: its input's variance grows by at least 1/0.7 in training.
        Assert.True(layers[0]!["variance_shift"]!.GetValue<double>() > 1.3, json);
        Assert.Equal(3, report["activations"]!.AsArray().Count);

        // A model file lints with what its metadata records: its layers, loss, fit settings and data.
        var (lintCode, lint, _) = Run("lint", Path.Combine(run, "model.strata"));
        Assert.Equal(1, lintCode);
        Assert.Equal(3, lint.Split('\n').Count(l => l.Contains("warning batchnorm-after-dropout")));

        // Without its data the model file still lints on its layers and loss.
        var model = Strata.Models.Sequential.Load(Path.Combine(run, "model.strata"));
        model.Metadata!["spec"]!["data"]!["path"] = Path.Combine(_dir, "missing.csv");
        model.Save(Path.Combine(run, "moved.strata"), model.Metadata);
        var (movedCode, moved, _) = Run("lint", Path.Combine(run, "moved.strata"));
        Assert.Equal(1, movedCode);
        Assert.Contains("rules that need the training data are skipped", moved);
        Assert.Equal(3, moved.Split('\n').Count(l => l.Contains("warning batchnorm-after-dropout")));
    }

    [Fact]
    public void DiagnoseOfASpecTrainsItFirst()
    {
        var (code, stdout, stderr) = Run("diagnose", SpecPath, "--epochs", "1", "--out", Path.Combine(_dir, "spec-run"), "--rows", "300");
        Assert.True(code == 0, stderr);
        Assert.Contains("Training 'red-wine' for 1 epochs", stdout);
        Assert.Contains("the first 300 of the training rows", stdout);
        Assert.True(File.Exists(Path.Combine(_dir, "spec-run", "model.strata")));
    }

    [Fact]
    public void DiagnoseOfAModelWithoutAKnownSpecNeedsData()
    {
        var model = new Strata.Models.Sequential([new Strata.Layers.Core.InputLayer([-1, 11]), new Strata.Layers.Regularization.Dropout(0.3),
            new Strata.Layers.Normalization.BatchNormalization(), new Strata.Layers.Core.Dense(1)]);
        string path = Path.Combine(_dir, "bare.strata");
        model.Save(path);
        var (code, _, err) = Run("diagnose", path);
        Assert.Equal(1, code);
        Assert.Contains("give --data X.csv or --spec SPEC.json", err);
        var (withData, stdout, stderr) = Run("diagnose", path, "--spec", SpecPath);
        Assert.True(withData == 0, stderr);
        Assert.Contains("training rows of 'red-wine'", stdout);
    }

    [Fact]
    public void CompareTrainsEachSpecWithEverySeedAndPrintsMeanAndDeviation()
    {
        string fixedPath = Path.Combine(_dir, "advisor.json");
        Run("lint", SpecPath, "--fix", "--output", fixedPath);
        var (code, stdout, stderr) = Run("compare", SpecPath, fixedPath, "--seeds", "2", "--epochs", "2", "--json", "--out", Path.Combine(_dir, "compare"));
        Assert.True(code == 0, stderr);
        var results = JsonNode.Parse(stdout)!.AsArray();
        // The fixed spec is named after the original, so its runs never land on the original's.
        Assert.Equal(["red-wine", "red-wine-fixed"], results.Select(r => r!["spec"]!.GetValue<string>()));
        foreach (var r in results)
        {
            Assert.Equal(2, r!["runs"]!.AsArray().Count);
            Assert.Equal([0, 1], r["runs"]!.AsArray().Select(x => x!["seed"]!.GetValue<int>()));
            Assert.True(double.IsFinite(r["std"]!.GetValue<double>()));
        }
        Assert.True(results[0]!["variance_shift"]!.GetValue<double>() > results[1]!["variance_shift"]!.GetValue<double>());

        var (tableCode, table, _) = Run("compare", SpecPath, "--seeds", "2", "--epochs", "1", "--out", Path.Combine(_dir, "compare-table"));
        Assert.Equal(0, tableCode);
        Assert.Contains("best val_loss", table);
        Assert.Contains(" ± ", table);
    }
}
