using Strata.Advice;
using Strata.Layers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Regularization;
using Strata.Tensors;
using Strata.Training.Losses;
using Xunit;

namespace Strata.Tests.Advice;

/// <summary>Each lint rule on a model where it must fire and on the nearest model where it must not.</summary>
public sealed class LintRuleTests
{
    private static readonly int[] Table = [-1, 8];
    private static readonly int[] Image = [-1, 12, 12, 3];

    private static IReadOnlyList<LintFinding> Lint(int[] input, LintContext? context, params Layer[] layers)
    {
        for (int i = 0; i < layers.Length; i++)
            if (layers[i].Name.Length == 0) layers[i].Name = Layer.UniqueName(layers[i].ClassName, layers.Take(i));
        return Linter.Lint(layers, input, context);
    }

    private static List<LintFinding> Fired(string rule, IReadOnlyList<LintFinding> findings) => findings.Where(f => f.RuleId == rule).ToList();

    [Fact]
    public void BatchNormDirectlyAfterDropoutIsAWarningNamingBothLayers()
    {
        var findings = Fired("batchnorm-after-dropout", Lint(Table, null, new Dense(16, "relu"), new Dropout(0.3), new BatchNormalization(), new Dense(1)));
        var finding = Assert.Single(findings);
        Assert.Equal(LintSeverity.Warning, finding.Severity);
        Assert.Equal(["dropout", "batch_normalization"], finding.Layers.Select(l => l.Name));
        Assert.Equal([1, 2], finding.Layers.Select(l => l.Index));
        Assert.Contains("variance shift", finding.Why);
        Assert.Contains("CVPR 2019", finding.Reference);
        Assert.NotNull(finding.Fix);
    }

    [Fact]
    public void BatchNormBeforeDropoutIsNotFlagged()
    {
        var findings = Lint(Table, null, new Dense(16, "relu"), new BatchNormalization(), new Dropout(0.3), new Dense(1));
        Assert.Empty(Fired("batchnorm-after-dropout", findings));
        Assert.Empty(Fired("batchnorm-downstream-of-dropout", findings));
    }

    [Fact]
    public void AlphaDropoutBeforeBatchNormKeepsTheVarianceAndIsNotFlagged() =>
        Assert.Empty(Fired("batchnorm-after-dropout", Lint(Table, null, new Dense(16, "selu"), new AlphaDropout(0.1), new BatchNormalization(), new Dense(1))));

    [Fact]
    public void GaussianNoiseThroughAnActivationBeforeBatchNormIsStillDirect() =>
        Assert.Single(Fired("batchnorm-after-dropout", Lint(Table, null, new Dense(16), new GaussianNoise(0.5), new Activation("relu"), new BatchNormalization(), new Dense(1))));

    [Fact]
    public void DropoutOneWeightLayerAboveBatchNormIsInfoAndTwoLayersAreNothing()
    {
        var one = Fired("batchnorm-downstream-of-dropout", Lint(Table, null, new Dropout(0.2), new Dense(16, "relu"), new BatchNormalization(), new Dense(1)));
        Assert.Equal(LintSeverity.Info, Assert.Single(one).Severity);
        var two = Lint(Table, null, new Dropout(0.2), new Dense(16, "relu"), new Dense(16, "relu"), new BatchNormalization(), new Dense(1));
        Assert.Empty(Fired("batchnorm-downstream-of-dropout", two));
        Assert.Empty(Fired("batchnorm-after-dropout", two));
    }

    [Fact]
    public void ANormalizationLayerBetweenStopsTheSearch() =>
        Assert.Empty(Fired("batchnorm-downstream-of-dropout", Lint(Table, null, new Dropout(0.2), new Dense(16), new LayerNormalization(), new BatchNormalization(), new Dense(1))));

    [Fact]
    public void ElementWiseDropoutOnConvolutionalFeatureMapsIsFlaggedButNotOnDenseFeatures()
    {
        var conv = Fired("dropout-on-feature-maps", Lint(Image, null, new Conv2D(4, 3, activation: "relu"), new Dropout(0.2), new Flatten(), new Dense(2)));
        Assert.Contains("SpatialDropout2D", Assert.Single(conv).Suggestion);
        Assert.Empty(Fired("dropout-on-feature-maps", Lint(Image, null, new Conv2D(4, 3, activation: "relu"), new Flatten(), new Dropout(0.2), new Dense(2))));
        Assert.Empty(Fired("dropout-on-feature-maps", Lint(Image, null, new Conv2D(4, 3, activation: "relu"), new SpatialDropout2D(0.2), new Flatten(), new Dense(2))));
        // A noise_shape shared over the spatial axes is already spatial dropout.
        Assert.Empty(Fired("dropout-on-feature-maps", Lint(Image, null, new Conv2D(4, 3, activation: "relu"), new Dropout(0.2, [-1, 1, 1, 4]), new Flatten(), new Dense(2))));
    }

    [Fact]
    public void ElementWiseDropoutRightBeforeMaxPoolingIsFlaggedAndAfterItIsNot()
    {
        var before = Fired("dropout-before-max-pooling", Lint(Image, null, new Conv2D(4, 3, activation: "relu"), new Dropout(0.2), new MaxPooling2D(), new Flatten(), new Dense(2)));
        Assert.Equal(["dropout", "max_pooling2d"], Assert.Single(before).Layers.Select(l => l.Name));
        Assert.Contains("MaxPoolingDropout2D(rate=0.2)", before[0].Suggestion);
        Assert.Empty(Fired("dropout-before-max-pooling", Lint(Image, null, new Conv2D(4, 3, activation: "relu"), new MaxPoolingDropout2D(0.2), new Flatten(), new Dense(2))));
        Assert.Empty(Fired("dropout-before-max-pooling", Lint(Image, null, new Conv2D(4, 3, activation: "relu"), new MaxPooling2D(), new Dropout(0.2), new Flatten(), new Dense(2))));
        Assert.Empty(Fired("dropout-before-max-pooling", Lint(Image, null, new Conv2D(4, 3, activation: "relu"), new SpatialDropout2D(0.2), new MaxPooling2D(), new Flatten(), new Dense(2))));
    }

    [Theory]
    [InlineData("sigmoid", LintSeverity.Warning)]
    [InlineData("softmax", LintSeverity.Warning)]
    [InlineData("tanh", LintSeverity.Info)]
    public void DropoutRightBeforeASquashingActivationIsFlagged(string activation, LintSeverity severity)
    {
        var findings = Fired("dropout-before-squashing-activation", Lint(Table, null, new Dense(16), new Dropout(0.2), new Activation(activation), new Dense(1)));
        Assert.Equal(severity, Assert.Single(findings).Severity);
    }

    [Fact]
    public void DropoutBeforeReluOrAfterSigmoidIsNotASquashingFinding()
    {
        Assert.Empty(Fired("dropout-before-squashing-activation", Lint(Table, null, new Dense(16), new Dropout(0.2), new Activation("relu"), new Dense(1))));
        Assert.Empty(Fired("dropout-before-squashing-activation", Lint(Table, null, new Dense(16), new Activation("sigmoid"), new Dropout(0.2), new Dense(1))));
    }

    [Fact]
    public void DropoutAfterTheLastWeightLayerActsOnTheOutput()
    {
        Assert.Single(Fired("dropout-on-output", Lint(Table, null, new Dense(16, "relu"), new Dense(1), new Dropout(0.2))));
        Assert.Single(Fired("dropout-on-output", Lint(Table, null, new Dense(16, "relu"), new Dense(3), new GaussianNoise(0.1), new Activation("softmax"))));
        Assert.Empty(Fired("dropout-on-output", Lint(Table, null, new Dense(16, "relu"), new Dropout(0.2), new Dense(1))));
    }

    [Fact]
    public void ABiasFeedingBatchNormWithCenterIsFlaggedOnlyWhenItIsRedundant()
    {
        var finding = Assert.Single(Fired("bias-before-batchnorm", Lint(Image, null, new Conv2D(4, 3), new BatchNormalization(), new Activation("relu"), new Flatten(), new Dense(2))));
        Assert.Equal(LintSeverity.Info, finding.Severity);
        Assert.Empty(Fired("bias-before-batchnorm", Lint(Image, null, new Conv2D(4, [3, 3], useBias: false), new BatchNormalization(), new Activation("relu"), new Flatten(), new Dense(2))));
        Assert.Empty(Fired("bias-before-batchnorm", Lint(Table, null, new Dense(8, "relu"), new BatchNormalization(), new Dense(1))));
        Assert.Empty(Fired("bias-before-batchnorm", Lint(Table, null, new Dense(8), new BatchNormalization(new() { ScaleAndCenter = new() { Center = false } }), new Dense(1))));
    }

    [Fact]
    public void SpatialDropoutWithoutSpatialAxesIsAnError()
    {
        var finding = Assert.Single(Fired("spatial-dropout-without-spatial-axes", Lint(Table, null, new Dense(16, "relu"), new SpatialDropout2D(0.2), new Dense(1))));
        Assert.Equal(LintSeverity.Error, finding.Severity);
        Assert.Empty(Fired("spatial-dropout-without-spatial-axes", Lint(Image, null, new Conv2D(4, 3, activation: "relu"), new SpatialDropout2D(0.2), new Flatten(), new Dense(1))));
        Assert.Empty(Fired("spatial-dropout-without-spatial-axes", Lint([-1, 10, 4], null, new Conv1D(4, 3), new SpatialDropout1D(0.2), new Flatten(), new Dense(1))));
    }

    [Fact]
    public void DropoutRatesAboveTheUsualRangesAreInfo()
    {
        Assert.Single(Fired("dropout-rate", Lint(Table, null, new Dropout(0.5), new Dense(16, "relu"), new Dense(1))));
        Assert.Single(Fired("dropout-rate", Lint(Table, null, new Dense(16, "relu"), new Dropout(0.7), new Dense(1))));
        Assert.Empty(Fired("dropout-rate", Lint(Table, null, new Dropout(0.2), new Dense(16, "relu"), new Dropout(0.5), new Dense(1))));
    }

    [Fact]
    public void ProbabilityOutputsWithALogitsLossAreAnErrorAndTheOppositeToo()
    {
        var logits = new LintContext { Loss = new CategoricalCrossentropy(fromLogits: true) };
        Assert.Equal(LintSeverity.Error, Assert.Single(Fired("loss-output-mismatch", Lint(Table, logits, new Dense(16, "relu"), new Dense(3, "softmax")))).Severity);
        Assert.Empty(Fired("loss-output-mismatch", Lint(Table, logits, new Dense(16, "relu"), new Dense(3))));
        var probabilities = new LintContext { Loss = new BinaryCrossentropy() };
        Assert.Single(Fired("loss-output-mismatch", Lint(Table, probabilities, new Dense(16, "relu"), new Dense(1))));
        Assert.Empty(Fired("loss-output-mismatch", Lint(Table, probabilities, new Dense(16, "relu"), new Dense(1, "sigmoid"))));
        // hard_sigmoid is clipped to [0, 1]: a probability too.
        Assert.Empty(Fired("loss-output-mismatch", Lint(Table, probabilities, new Dense(16, "relu"), new Dense(1, "hard_sigmoid"))));
        Assert.Single(Fired("loss-output-mismatch", Lint(Table, probabilities, new Dense(16, "relu"), new Dense(1, "softsign"))));
    }

    [Fact]
    public void ALossThatCannotFitTheOutputIsFlagged()
    {
        Assert.Contains(Fired("loss-output-mismatch", Lint(Table, new LintContext { Loss = new SparseCategoricalCrossentropy() }, new Dense(16, "relu"), new Dense(1, "softmax"))),
            f => f.Message.Contains("one output per class"));
        var sigmoidRegression = new LintContext { Loss = new MeanAbsoluteError(), TargetRange = (3, 8) };
        Assert.Single(Fired("loss-output-mismatch", Lint(Table, sigmoidRegression, new Dense(16, "relu"), new Dense(1, "sigmoid"))));
        Assert.Empty(Fired("loss-output-mismatch", Lint(Table, sigmoidRegression with { TargetRange = (0, 1) }, new Dense(16, "relu"), new Dense(1, "sigmoid"))));
        Assert.Empty(Fired("loss-output-mismatch", Lint(Table, sigmoidRegression, new Dense(16, "relu"), new Dense(1))));
    }

    [Fact]
    public void BatchNormOnSmallBatchesIsFlaggedUnlessRenormalized()
    {
        var small = new LintContext { BatchSize = 8 };
        var finding = Assert.Single(Fired("batchnorm-small-batch", Lint(Table, small, new Dense(16), new BatchNormalization(), new Dense(1))));
        Assert.Contains("LayerNormalization", finding.Suggestion);
        Assert.Contains("GroupNormalization", Assert.Single(Fired("batchnorm-small-batch", Lint(Image, small, new Conv2D(8, 3), new BatchNormalization(), new Flatten(), new Dense(1)))).Suggestion);
        Assert.Empty(Fired("batchnorm-small-batch", Lint(Table, new LintContext { BatchSize = 16 }, new Dense(16), new BatchNormalization(), new Dense(1))));
        Assert.Empty(Fired("batchnorm-small-batch", Lint(Table, small, new Dense(16), new BatchNormalization(new() { Renorm = true }), new Dense(1))));
    }

    [Fact]
    public void UnsynchronizedBatchNormOnRanksWithSmallBlocksIsFlagged()
    {
        // 4 ranks of a batch of 32: 8 rows each.
        var shared = new LintContext { BatchSize = 32, Ranks = 4 };
        var finding = Assert.Single(Fired("batchnorm-unsynchronized-ranks", Lint(Table, shared, new Dense(16), new BatchNormalization(), new Dense(1))));
        Assert.Contains("4 ranks", finding.Message);
        Assert.Contains("own 8", finding.Message);
        Assert.Contains("synchronized=true", finding.Suggestion);
        Assert.Empty(Fired("batchnorm-unsynchronized-ranks", Lint(Table, shared, new Dense(16), new BatchNormalization(new() { Synchronized = true }), new Dense(1))));
        // 16 rows each, one process, or a batch already too small for one process (batchnorm-small-batch says so).
        Assert.Empty(Fired("batchnorm-unsynchronized-ranks", Lint(Table, shared with { BatchSize = 64 }, new Dense(16), new BatchNormalization(), new Dense(1))));
        Assert.Empty(Fired("batchnorm-unsynchronized-ranks", Lint(Table, shared with { Ranks = null }, new Dense(16), new BatchNormalization(), new Dense(1))));
        Assert.Empty(Fired("batchnorm-unsynchronized-ranks", Lint(Table, shared with { BatchSize = 8 }, new Dense(16), new BatchNormalization(), new Dense(1))));
    }

    [Fact]
    public void MovingStatisticsWithTooFewUpdatesForTheirMomentumAreFlagged()
    {
        // 1000 rows in batches of 100 for 10 epochs: 100 steps, and 0.99^100 = 37% of the initial values remain.
        var shortFit = new LintContext { TrainingRows = 1000, BatchSize = 100, Epochs = 10 };
        var finding = Assert.Single(Fired("batchnorm-few-updates", Lint(Table, shortFit, new Dense(16), new BatchNormalization(), new Dense(1))));
        Assert.Contains("37%", finding.Message);
        Assert.Contains("0.95", finding.Suggestion);
        Assert.Empty(Fired("batchnorm-few-updates", Lint(Table, shortFit, new Dense(16), new BatchNormalization(new() { Momentum = 0.9 }), new Dense(1))));
        Assert.Empty(Fired("batchnorm-few-updates", Lint(Table, shortFit with { Epochs = 100 }, new Dense(16), new BatchNormalization(), new Dense(1))));
    }

    [Fact]
    public void UnscaledFeaturesAreFlaggedUnlessNormalizedFirst()
    {
        var x = new Tensor([3, 2], [0.1f, 100f, 0.2f, 900f, 0.3f, 500f]);
        var context = new LintContext { Features = FeatureStatistics.Of(x, ["acid", "sulfur"]) };
        var finding = Assert.Single(Fired("unscaled-inputs", Lint([-1, 2], context, new Dense(4, "relu"), new Dense(1))));
        Assert.Contains("'sulfur'", finding.Message);
        Assert.Empty(Fired("unscaled-inputs", Lint([-1, 2], context, new BatchNormalization(), new Dense(4, "relu"), new Dense(1))));
        Assert.Empty(Fired("unscaled-inputs", Lint([-1, 2], context, new Strata.Layers.Normalization.Normalization(), new Dense(4, "relu"), new Dense(1))));
        var scaled = new LintContext { Features = FeatureStatistics.Of(new Tensor([2, 2], [0f, -1f, 1f, 1f]), ["a", "b"]) };
        Assert.Empty(Fired("unscaled-inputs", Lint([-1, 2], scaled, new Dense(4, "relu"), new Dense(1))));
    }

    [Fact]
    public void EveryRuleHasAStableIdAndEveryFindingNamesARule()
    {
        var ids = Linter.Rules.Select(r => r.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^[a-z]+(-[a-z]+)+$", id));
        var findings = Lint(Image, new LintContext { BatchSize = 4 }, new Conv2D(4, 3), new Dropout(0.6), new BatchNormalization(), new MaxPooling2D(), new Flatten(), new Dense(2), new Dropout(0.1));
        Assert.All(findings, f => Assert.Contains(f.RuleId, ids));
    }
}
