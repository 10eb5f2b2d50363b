using System.Text.Json.Nodes;
using Strata.Advice;
using Strata.Runs;
using Xunit;

namespace Strata.Tests.Advice;

/// <summary>`strata lint --fix`: the corrected spec lints clean and trains.</summary>
public sealed class LintFixTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-fix-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TrainingSpec Save(JsonObject spec, string name)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, spec.ToJsonString());
        return TrainingSpec.Load(path);
    }

    private static string[] Classes(JsonObject spec) =>
        spec["model"]!["config"]!["layers"]!.AsArray().Select(l => l!["class_name"]!.GetValue<string>()).ToArray();

    [Fact]
    public void TheRedWineLessonModelIsFixedToDropoutAfterTheLastBatchNormAndANormalizedInput()
    {
        var spec = Save(Cli.CliRunner.SmallRedWineSpec(), "red-wine.json");
        var before = SpecLinter.Lint(spec);
        Assert.Equal(3, before.Count(f => f.RuleId == "batchnorm-after-dropout"));

        var result = SpecLinter.Fix(spec);
        Assert.Empty(result.Remaining);
        Assert.Equal(["InputLayer", "Normalization", "Dense", "BatchNormalization", "Dense", "BatchNormalization", "Dense", "BatchNormalization", "Dropout", "Dense"],
            Classes(result.Spec));
        var normalization = result.Spec["model"]!["config"]!["layers"]![1]!["config"]!.AsObject();
        Assert.Equal(11, normalization["mean"]!.AsArray().Count);

        var fixedSpec = Save(result.Spec, "red-wine-fixed.json");
        Assert.Empty(SpecLinter.Lint(fixedSpec));
        fixedSpec.Epochs = 2;
        var run = TrainingRun.Execute(fixedSpec, Path.Combine(_dir, "run"));
        Assert.True(double.IsFinite(run.BestValidationLoss));
        // The normalization holds the statistics of the training rows, not of all rows.
        var train = SpecData.Load(spec).TrainX;
        double alcohol = Enumerable.Range(0, train.Dim(0)).Average(r => (double)train.Data[r * 11 + 10]);
        Assert.Equal(alcohol, normalization["mean"]![10]!.GetValue<double>(), 1e-5);
    }

    [Fact]
    public void OnlyTheChosenRulesAreFixed()
    {
        var spec = Save(Cli.CliRunner.SmallRedWineSpec(), "red-wine.json");
        var result = SpecLinter.Fix(spec, rules: new HashSet<string> { "batchnorm-after-dropout" });
        Assert.All(result.Applied, f => Assert.Equal("batchnorm-after-dropout", f.RuleId));
        Assert.Equal(["InputLayer", "Dense", "BatchNormalization", "Dropout", "Dense", "BatchNormalization", "Dropout", "Dense", "BatchNormalization", "Dropout", "Dense"],
            Classes(result.Spec));
        Assert.Contains(result.Remaining, f => f.RuleId == "unscaled-inputs");
        Assert.Contains(result.Remaining, f => f.RuleId == "batchnorm-downstream-of-dropout");
    }

    [Fact]
    public void AConvolutionalSpecWithManyFindingsIsFixedIntoOneThatLintsCleanAndTrains()
    {
        JsonObject L(string cls, JsonObject config) => new() { ["class_name"] = cls, ["config"] = config };
        var spec = new JsonObject
        {
            ["name"] = "messy-cnn",
            ["data"] = new JsonObject { ["dataset"] = "fashion-mnist", ["path"] = Path.Combine(TestSupport.RepositoryRoot, "data", "fashion-mnist-sample") },
            ["model"] = new JsonObject
            {
                ["class_name"] = "Sequential",
                ["config"] = new JsonObject
                {
                    ["layers"] = new JsonArray(
                        L("InputLayer", new JsonObject { ["batch_shape"] = new JsonArray(null, 28, 28, 1) }),
                        L("Conv2D", new JsonObject { ["filters"] = 4, ["kernel_size"] = 3 }),
                        L("BatchNormalization", new JsonObject()),
                        L("Activation", new JsonObject { ["activation"] = "relu" }),
                        L("Dropout", new JsonObject { ["rate"] = 0.2 }),
                        L("MaxPooling2D", new JsonObject()),
                        L("Flatten", new JsonObject()),
                        L("SpatialDropout2D", new JsonObject { ["rate"] = 0.7 }),
                        L("Dense", new JsonObject { ["units"] = 10 }),
                        L("Dropout", new JsonObject { ["rate"] = 0.1 })),
                },
            },
            ["compile"] = new JsonObject { ["optimizer"] = "adam", ["loss"] = "sparse_categorical_crossentropy" },
            ["fit"] = new JsonObject { ["batch_size"] = 8, ["epochs"] = 1 },
        };
        var messy = Save(spec, "messy.json");
        messy.Limit = 64;
        var findings = SpecLinter.Lint(messy);
        foreach (var rule in new[] { "bias-before-batchnorm", "dropout-before-max-pooling", "dropout-on-feature-maps", "spatial-dropout-without-spatial-axes",
                     "dropout-on-output", "loss-output-mismatch", "batchnorm-small-batch", "batchnorm-few-updates", "dropout-rate" })
            Assert.Contains(findings, f => f.RuleId == rule);

        var result = SpecLinter.Fix(messy);
        Assert.Empty(result.Remaining);
        var fixedSpec = Save(result.Spec, "messy-fixed.json");
        fixedSpec.Limit = 64;
        Assert.Empty(SpecLinter.Lint(fixedSpec));
        Assert.DoesNotContain("SpatialDropout2D", Classes(result.Spec).Skip(6));
        Assert.True(result.Spec["compile"]!["loss"]!["config"]!["from_logits"]!.GetValue<bool>());
        var run = TrainingRun.Execute(fixedSpec, Path.Combine(_dir, "cnn"));
        Assert.True(double.IsFinite(run.History["loss"][0]));
    }

    [Fact]
    public void UnsynchronizedBatchNormOnManyRanksIsFixedBySynchronizingIt()
    {
        var spec = Save(Cli.CliRunner.SmallRedWineSpec(), "red-wine.json");
        // The example's batches of 256 among 32 ranks: 8 rows each.
        var context = SpecLinter.ContextFor(spec) with { Ranks = 32 };
        Assert.Equal(3, SpecLinter.Lint(spec, context).Count(f => f.RuleId == "batchnorm-unsynchronized-ranks"));
        var result = SpecLinter.Fix(spec, rules: new HashSet<string> { "batchnorm-unsynchronized-ranks" }, context: context);
        Assert.DoesNotContain(result.Remaining, f => f.RuleId == "batchnorm-unsynchronized-ranks");
        var synchronized = result.Spec["model"]!["config"]!["layers"]!.AsArray()
            .Where(l => l!["class_name"]!.GetValue<string>() == "BatchNormalization").Select(l => l!["config"]!["synchronized"]!.GetValue<bool>());
        Assert.Equal([true, true, true], synchronized);
    }
}
