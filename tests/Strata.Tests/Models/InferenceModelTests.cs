using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Models;

public class InferenceModelTests
{
    // Moving statistics and γ, β far from their initial values, so a wrong fold shows.
    private static void Randomize(Sequential model, int seed)
    {
        var random = new Random(seed);
        foreach (var layer in model.Layers.OfType<BatchNormalization>())
        {
            foreach (var (v, low, high) in new[] { (layer.MovingMean!, -2.0, 2.0), (layer.MovingVariance!, 0.2, 3.0), (layer.Gamma!, 0.5, 1.5), (layer.Beta!, -1.0, 1.0) })
                for (int i = 0; i < v.Value.Size; i++) v.Value.Data[i] = (float)(low + (high - low) * random.NextDouble());
        }
    }

    private static Sequential Build(int seed, params Strata.Layers.Layer[] layers)
    {
        var model = new Sequential(layers, seed: seed);
        model.Build([.. ((InputLayer)layers[0]).BatchShape]);
        Randomize(model, seed);
        return model;
    }

    [Fact]
    public void WithoutBatchNormalizationItGivesThePredictBitsForManyRowsAndCloseValuesForOne()
    {
        var model = Build(1, new InputLayer([-1, 7]), new Dense(33, "relu"), new Dropout(0.4), new Dense(20), new Activation("tanh"), new GaussianNoise(0.3), new Dense(3, "softmax"));
        var plan = InferenceModel.Create(model);
        Assert.Equal(3, plan.Products);
        var x = TestSupport.Random(2, 1.0, 50, 7);
        Assert.Equal(model.Predict(x, batchSize: 50).Data, plan.Predict(x).Data);
        var one = new Tensor(1, 7);
        x.Data.AsSpan(7, 7).CopyTo(one.Data);
        // One row streams the transposed weights: another summation order, the same values to float precision.
        TestSupport.AssertClose(model.Predict(one, batchSize: 1).Data, plan.Predict(one).Data, 1e-5, "one row");
        TestSupport.AssertClose(plan.Predict(x).Data.AsSpan(3, 3), plan.Predict(one).Data, 1e-5, "row 1 of 50");
    }

    [Fact]
    public void TheRedWineShapeFoldsEachBatchNormalizationIntoTheNextDense()
    {
        var model = Build(3,
            new InputLayer([-1, 11]),
            new Dense(64, "relu"), new Dropout(0.3), new BatchNormalization(),
            new Dense(64, "relu"), new Dropout(0.3), new BatchNormalization(),
            new Dense(1));
        var plan = InferenceModel.Create(model);
        Assert.Equal(3, plan.Products);
        var x = TestSupport.Random(4, 3.0, 40, 11);
        TestSupport.AssertClose(model.Predict(x, batchSize: 40).Data, plan.Predict(x).Data, 1e-4, "folded");
    }

    [Fact]
    public void ABatchNormalizationAfterALinearDenseFoldsBackAndOneAtTheEndStaysAnAffineStep()
    {
        var model = Build(5,
            new InputLayer([-1, 6]),
            new Dense(16), new BatchNormalization(), new Activation("relu"),
            new Dense(8, "relu"), new BatchNormalization(), new BatchNormalization(), new Activation("sigmoid"));
        var plan = InferenceModel.Create(model);
        Assert.Equal(2, plan.Products);
        var x = TestSupport.Random(6, 2.0, 30, 6);
        TestSupport.AssertClose(model.Predict(x, batchSize: 30).Data, plan.Predict(x).Data, 1e-5, "folded");
    }

    [Fact]
    public void AHandFoldedValueComesOut()
    {
        // Dense 1 → 1 with w = 2, b = 1, then BatchNormalization with mean 3, variance 4 − ε, γ = 5, β = 6:
        // x = 2 → z = 5 → (5 − 3)/2·5 + 6 = 11.
        var dense = new Dense(1);
        var norm = new BatchNormalization();
        var model = new Sequential([new InputLayer([-1, 1]), dense, norm], seed: 0);
        model.Build([-1, 1]);
        dense.Kernel!.Value.Data[0] = 2f;
        dense.Bias!.Value.Data[0] = 1f;
        norm.MovingMean!.Value.Data[0] = 3f;
        norm.MovingVariance!.Value.Data[0] = (float)(4 - norm.Epsilon);
        norm.Gamma!.Value.Data[0] = 5f;
        norm.Beta!.Value.Data[0] = 6f;
        var y = InferenceModel.Create(model).Predict(new Tensor([1, 1], [2f]));
        Assert.Equal(11f, y.Data[0], 5);
    }

    [Fact]
    public void TheWeightsAreCopiedAndASteadyCallAllocatesNothing()
    {
        var model = Build(7, new InputLayer([-1, 5]), new Dense(300, "relu"), new BatchNormalization(), new Dense(2));
        var plan = InferenceModel.Create(model);
        var x = TestSupport.Random(8, 1.0, 4, 5);
        var before = plan.Predict(x).Data;
        foreach (var v in model.Variables) v.Value.Data.AsSpan().Fill(0.5f);
        Assert.Equal(before, plan.Predict(x).Data);

        var y = new float[8];
        plan.Predict(x.Data, 4, y);
        long start = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) plan.Predict(x.Data, 4, y);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - start);
    }

    [Fact]
    public void ALayerOutsideTheDenseFamilyIsNamed()
    {
        var model = new Sequential([new InputLayer([-1, 8, 8, 1]), new Conv2D(2, 3, name: "features"), new Flatten(), new Dense(1)], seed: 0);
        model.Build([-1, 8, 8, 1]);
        Assert.Contains("[batch, features]", Assert.Throws<StrataException>(() => InferenceModel.Create(model)).Message);
        var thresholded = new Sequential([new InputLayer([-1, 3]), new Dense(4), new Strata.Layers.ActivationLayers.ReLU(threshold: 0.5, name: "capped")], seed: 0);
        thresholded.Build([-1, 3]);
        var e = Assert.Throws<StrataException>(() => InferenceModel.Create(thresholded));
        Assert.Contains("'capped'", e.Message);
    }
}

public class ForwardGraphRowsTests
{
    [Fact]
    public void ABatchWhoseValuesPassTheLimitRunsInPartsWithTheSameResults()
    {
        // 2048 inputs + 8192 units + 1 output: 10,241 values a row, so a graph takes at most 16 M / 10,241 = 1638 rows.
        var model = new Sequential([new InputLayer([-1, 2048]), new Dense(8192, "relu"), new Dense(1)], seed: 1);
        model.Compile(new Strata.Training.Optimizers.Adam(), new Strata.Training.Losses.MeanSquaredError());
        var x = TestSupport.Random(2, 1.0, 2000, 2048);
        var y = TestSupport.Random(3, 1.0, 2000, 1);
        var whole = model.Predict(x, batchSize: 2000);
        Assert.Equal(model.Predict(x, batchSize: 500).Data, whole.Data);
        var evaluated = model.Evaluate(x, y, batchSize: 2000)["loss"];
        Assert.Equal(model.Evaluate(x, y, batchSize: 1638)["loss"], evaluated);
        Assert.Equal(1638, model.CompiledRowCounts.Max());
        // The loss is the mean squared error of those predictions.
        double expected = Enumerable.Range(0, 2000).Average(i => Math.Pow(whole.Data[i] - y.Data[i], 2));
        Assert.Equal(expected, evaluated, 1e-4 * expected);
    }
}
