using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;

namespace Strata.Tests.Models;

/// <summary>Sequential.Clone: a copy of the trained model, weights, random streams and optimizer state included, sharing nothing.</summary>
public sealed class SequentialCloneTests
{
    private static readonly Strata.Tensors.Tensor X = TestSupport.Random(1, 1.0, 200, 5), Y = TestSupport.Random(2, 1.0, 200, 2);

    private static Sequential Trained()
    {
        var model = new Sequential([new InputLayer([-1, 5]), new Dense(8, "relu"), new Dropout(0.25), new BatchNormalization(), new Dense(2)], "trained", seed: 6);
        model.Compile(new Adam(0.01), new MeanSquaredError(), ["mae"]);
        model.Fit(X, Y, batchSize: 32, epochs: 2, seed: 3);
        return model;
    }

    [Fact]
    public void ACloneKeepsTheWeightsAndPredictionsWhenTheOriginalsWeightsChange()
    {
        var original = Trained();
        var weights = original.GetWeights();
        var predictions = original.Predict(X).Data.ToArray();

        var clone = original.Clone();
        Assert.Equal(predictions, clone.Predict(X).Data);

        original.SetWeights(weights.Select(w => w.Select(v => v + 1).ToArray()).ToArray());
        Assert.NotEqual(predictions, original.Predict(X).Data);
        Assert.Equal(weights, clone.GetWeights());
        Assert.Equal(predictions, clone.Predict(X).Data);
    }

    [Fact]
    public void ACloneKeepsNamesTrainableFlagsFeatureNamesAndCompileSettings()
    {
        var original = Trained();
        original.Layers[0].Trainable = false;
        original.FeatureNames = ["a", "b", "c", "d", "e"];
        var clone = original.Clone();

        Assert.Equal("trained", clone.Name);
        Assert.Equal(6, clone.Seed);
        Assert.Equal(["dense", "dropout", "batch_normalization", "dense_1"], clone.Layers.Select(l => l.Name));
        Assert.False(clone.Layers[0].Trainable);
        Assert.Equal(["a", "b", "c", "d", "e"], clone.FeatureNames);
        Assert.Equal(["mae"], clone.MetricNames);
        Assert.Same(original.Loss, clone.Loss);
        Assert.NotSame(original.Optimizer, clone.Optimizer);
        Assert.IsType<Adam>(clone.Optimizer);
        Assert.Equal(0.01, clone.Optimizer!.LearningRate);
        // Two epochs of 200 rows in batches of 32: 7 steps each.
        Assert.Equal(14, clone.Optimizer.Iterations);
        Assert.All(original.Layers.Zip(clone.Layers), p => Assert.NotSame(p.First, p.Second));
    }

    /// <summary>
    /// The dropout stream's position and Adam's moments come along: trained further with the same
    /// seed, the clone and the original end bit for bit alike, and training one leaves the other alone.
    /// </summary>
    [Fact]
    public void ACloneTrainsOnExactlyAsTheOriginalWouldAndApartFromIt()
    {
        var original = Trained();
        var clone = original.Clone();
        var before = original.GetWeights();

        var cloneHistory = clone.Fit(X, Y, batchSize: 32, epochs: 3, seed: 11);
        Assert.Equal(before, original.GetWeights());
        Assert.Equal(14, original.Optimizer!.Iterations);

        var originalHistory = original.Fit(X, Y, batchSize: 32, epochs: 3, seed: 11);
        Assert.Equal(originalHistory.ToCsv(), cloneHistory.ToCsv());
        Assert.Equal(original.GetWeights(), clone.GetWeights());
    }

    [Fact]
    public void AModelWithoutAnInputShapeClonesUnbuilt()
    {
        var original = new Sequential([new Dense(3), new Dense(1)], seed: 2);
        var clone = original.Clone();
        Assert.False(clone.IsBuilt);
        Assert.Null(clone.Optimizer);
        clone.Build([-1, 4]);
        original.Build([-1, 4]);
        Assert.Equal(original.GetWeights(), clone.GetWeights());
    }
}
