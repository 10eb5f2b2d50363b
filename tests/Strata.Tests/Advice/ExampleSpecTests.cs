using Strata.Advice;
using Strata.Runs;
using Xunit;

namespace Strata.Tests.Advice;

/// <summary>The advisor's example specs: what the linter says of each, and that each trains on a little data.</summary>
public sealed class ExampleSpecTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-examples-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>An example spec; the Fashion-MNIST ones read the sample shipped in data/ instead of the Debian package's files.</summary>
    private static TrainingSpec Example(string name)
    {
        var spec = TrainingSpec.Load(Path.Combine(TestSupport.RepositoryRoot, "examples", name));
        if (spec.Dataset != "fashion-mnist") return spec;
        var source = (System.Text.Json.Nodes.JsonObject)spec.Source.DeepClone();
        source["data"]!["path"] = Path.Combine(TestSupport.RepositoryRoot, "data", "fashion-mnist-sample");
        return TrainingSpec.FromJson(source, spec.SpecPath);
    }

    [Theory]
    [InlineData("red-wine.json", "batchnorm-after-dropout,batchnorm-after-dropout,batchnorm-after-dropout,unscaled-inputs")]
    [InlineData("red-wine-bn-before-dropout.json", "batchnorm-downstream-of-dropout,batchnorm-downstream-of-dropout,unscaled-inputs")]
    [InlineData("red-wine-dropout-last.json", "unscaled-inputs")]
    [InlineData("red-wine-advisor.json", "")]
    [InlineData("spotify.json", "unscaled-inputs")]
    [InlineData("spotify-normalized.json", "")]
    [InlineData("concrete.json", "unscaled-inputs")]
    [InlineData("concrete-batchnorm.json", "")]
    [InlineData("fashion-rnn.json", "")]
    [InlineData("fashion-rnn-plain.json", "")]
    [InlineData("fashion-rnn-dropout.json", "")]
    [InlineData("fashion-rnn-weightdrop.json", "")]
    [InlineData("fashion-cnn-dropblock.json", "batchnorm-downstream-of-dropout,batchnorm-downstream-of-dropout,bias-before-batchnorm,bias-before-batchnorm,bias-before-batchnorm,bias-before-batchnorm,bias-before-batchnorm")]
    public void EachExampleLintsAsItsDescriptionSays(string example, string rules)
    {
        var spec = Example(example);
        var context = SpecLinter.ContextFor(spec);
        // The sample stands in for the files, with the 60,000 training images of the full set.
        if (spec.Dataset == "fashion-mnist") context = context with { TrainingRows = 60_000 };
        var findings = SpecLinter.Lint(spec, context);
        Assert.Equal(rules.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(), findings.Select(f => f.RuleId).Order());
    }

    [Fact]
    public void ConcreteWithPlainSgdDivergesAndWithBatchNormalizationFirstItTrains()
    {
        var plain = Example("concrete.json");
        plain.Epochs = 2;
        var e = Assert.Throws<StrataException>(() => TrainingRun.Execute(plain, Path.Combine(_dir, "plain")));
        Assert.Contains("Training diverged", e.Message);

        var normalized = Example("concrete-batchnorm.json");
        normalized.Epochs = 10;
        var run = TrainingRun.Execute(normalized, Path.Combine(_dir, "batchnorm"));
        // The strengths average about 36 MPa, the MAE of predicting 0. Plain SGD descends steadily from there
        // (about 3 MPa after the example's 100 epochs); the training loss shows it, as the moving statistics
        // need more than these 120 steps to catch up.
        var loss = run.History["loss"];
        Assert.All(loss.Zip(loss.Skip(1)), pair => Assert.True(pair.Second < pair.First, $"training MAE {string.Join(", ", loss)}"));
        Assert.True(loss[^1] < 0.9 * loss[0], $"training MAE {string.Join(", ", loss)}");
    }

    [Theory]
    [InlineData("spotify.json")]
    [InlineData("spotify-normalized.json")]
    public void TheSpotifyExamplesTrainOnTheirAudioFeatures(string example)
    {
        var spec = Example(example);
        spec.Epochs = 1;
        spec.Limit = 3000;
        var run = TrainingRun.Execute(spec, Path.Combine(_dir, example));
        Assert.True(double.IsFinite(run.BestValidationLoss));
        Assert.Equal(18, run.Model.FeatureNames!.Count);
    }

    [Fact]
    public void TheDropBlockFashionExampleTrainsOnTheSample()
    {
        var onSample = Example("fashion-cnn-dropblock.json");
        onSample.Epochs = 1;
        onSample.Limit = 256;
        var run = TrainingRun.Execute(onSample, Path.Combine(_dir, "dropblock"));
        Assert.True(double.IsFinite(run.History["loss"][0]));
        Assert.NotNull(run.Test);
    }

    [Theory]
    [InlineData("fashion-rnn.json")]
    [InlineData("fashion-rnn-dropout.json")]
    [InlineData("fashion-rnn-weightdrop.json")]
    public void TheRecurrentFashionExamplesLearnFromTheRowsOfTheSample(string example)
    {
        var spec = Example(example);
        spec.Epochs = 6;
        var run = TrainingRun.Execute(spec, Path.Combine(_dir, example));
        var loss = run.History["loss"];
        // Ten balanced classes start near ln 10 = 2.30; six epochs of the sample's 600 images (batch 32) bring the loss well below it
        // and the held-out accuracy well above the 0.1 of guessing.
        Assert.True(loss[0] < 2.5 && loss[^1] < 0.6 * loss[0], $"training loss {string.Join(", ", loss)}");
        Assert.True(run.Test!["accuracy"] > 0.4, $"test accuracy {run.Test["accuracy"]}");
    }
}
