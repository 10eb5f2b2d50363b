using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Constraints;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Layers.Regularizers;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Models;

/// <summary>Monte-Carlo dropout, BatchNorm recalibration, regularization and constraints at the model level.</summary>
public class SequentialStochasticTests
{
    private static (Tensor X, Tensor Y) Data(int rows = 256, int seed = 1)
    {
        var x = TestSupport.Random(seed, 1, rows, 6);
        var y = new Tensor(rows, 1);
        for (int r = 0; r < rows; r++) y.Data[r] = x.Data[r * 6] * 2 - x.Data[r * 6 + 3] + 5;
        return (x, y);
    }

    private static Sequential EveryLayerModel(int seed) => new(
    [
        new InputLayer([-1, 6]),
        new GaussianNoise(0.05),
        new Dense(new DenseConfig { Units = 16, Activation = ActivationFunction.Selu, Weights = new() { Kernel = new(Initializer.LecunNormal()) } }), new AlphaDropout(0.1),
        new DropConnect(new Dense(new DenseConfig { Units = 16, Activation = ActivationFunction.Relu, Weights = new() { Kernel = new(Initializer.GlorotUniform(), Regularizer.L2(1e-4), Constraint.MaxNorm(3)) } }), 0.2),
        new BatchNormalization(new() { Renorm = true, RenormClipping = new RenormClipping(0.5, 2, 1), VirtualBatchSize = 8 }),
        new Residual([new Dense(16, "relu"), new LayerNormalization(), new Dense(16), new StochasticDepth(0.2)]),
        new GaussianDropout(0.2), new Dropout(0.2, noiseShape: [-1, 16]),
        new Reshape([4, 4]), new SpatialDropout1D(0.1), new GroupNormalization(groups: 2), new Flatten(),
        new BatchNormalization(new() { MovingStatistics = MovingStatistics.Cumulative, UnbiasedMovingVariance = true }),
        new Dense(1),
    ], seed: seed);

    [Fact]
    public void EveryLayerTrainsSavesAndLoadsAndIsDeterministicAcrossThreadCounts()
    {
        var (x, y) = Data();
        float[][] Train(int threads)
        {
            int saved = Compute.Threads;
            Compute.Threads = threads;
            try
            {
                var model = EveryLayerModel(seed: 4);
                model.Compile(new Adam(0.01), new MeanSquaredError());
                var history = model.Fit(x, y, batchSize: 32, epochs: 3);
                Assert.True(history["loss"][^1] < history["loss"][0]);
                var directory = Directory.CreateTempSubdirectory("strata-every-");
                string path = Path.Combine(directory.FullName, "model.strata");
                try
                {
                    model.Save(path);
                    var loaded = Sequential.Load(path);
                    Assert.Equal(model.Predict(x).Data, loaded.Predict(x).Data);
                    Assert.Equal(model.GetConfig().ToJsonString(), loaded.GetConfig().ToJsonString());
                }
                finally
                {
                    directory.Delete(recursive: true);
                }
                return model.GetWeights();
            }
            finally
            {
                Compute.Threads = saved;
            }
        }
        var one = Train(1);
        var two = Train(2);
        Assert.Equal(one.Length, two.Length);
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], two[i]);
    }

    [Fact]
    public void MonteCarloDropoutAveragesStochasticPassesReproducibly()
    {
        var (x, y) = Data(64);
        var model = new Sequential([new InputLayer([-1, 6]), new Dense(32, "relu"), new Dropout(0.3), new BatchNormalization(), new Dense(1)], seed: 2);
        model.Compile(new Adam(0.01), new MeanSquaredError());
        model.Fit(x, y, batchSize: 16, epochs: 2);
        var stream = ((Dropout)model.Layers[1]).RandomStream;
        var (seedBefore, stepBefore) = (stream.Seed, stream.Step);
        var movingMean = ((BatchNormalization)model.Layers[2]).MovingMean!.Value.Data.ToArray();

        var a = model.Predict(x, mcSamples: 50, seed: 7);
        var b = model.Predict(x, mcSamples: 50, seed: 7);
        Assert.Equal(a.Mean.Data, b.Mean.Data);
        Assert.Equal(a.StandardDeviation.Data, b.StandardDeviation.Data);
        Assert.NotEqual(a.Mean.Data, model.Predict(x, mcSamples: 50, seed: 8).Mean.Data);
        Assert.All(a.StandardDeviation.Data, s => Assert.True(s > 0));
        // Normalization stays in inference mode and the layer's own stream is untouched.
        Assert.Equal(movingMean, ((BatchNormalization)model.Layers[2]).MovingMean!.Value.Data);
        Assert.Equal((seedBefore, stepBefore), (stream.Seed, stream.Step));
        // The average of many passes approaches the deterministic prediction (inverted dropout keeps the mean).
        var deterministic = model.Predict(x);
        var many = model.Predict(x, mcSamples: 400, seed: 1);
        double gap = deterministic.Data.Zip(many.Mean.Data, (p, q) => Math.Abs(p - q)).Average();
        double spread = many.StandardDeviation.Data.Average(s => (double)s);
        Assert.True(gap < spread, $"mean gap {gap} should be below the average spread {spread}");

        var plain = new Sequential([new InputLayer([-1, 6]), new Dense(3)], seed: 1);
        var single = plain.Predict(x, mcSamples: 5, seed: 1);
        Assert.Equal(plain.Predict(x).Data, single.Mean.Data);
        Assert.All(single.StandardDeviation.Data, s => Assert.Equal(0f, s));
    }

    [Fact]
    public void RecalibrationSetsThePopulationStatisticsOfEachBatchNormInput()
    {
        var (x, y) = Data(200);
        var model = new Sequential([new InputLayer([-1, 6]), new Dense(8, "relu"), new Dropout(0.5), new BatchNormalization(),
            new Dense(8), new BatchNormalization(new() { UnbiasedMovingVariance = true }), new Dense(1)], seed: 3);
        model.Compile(new Adam(0.01), new MeanSquaredError());
        model.Fit(x, y, batchSize: 32, epochs: 2);
        var result = model.RecalibrateBatchNorm(x, batchSize: 48);
        Assert.Equal(["batch_normalization", "batch_normalization_1"], result.Select(r => r.Name));
        Assert.All(result, r => Assert.Equal(200, r.Count));

        // The first layer's input is the first Dense's output (dropout is off); the second's comes after the recalibrated first.
        var first = new Sequential([new InputLayer([-1, 6]), new Dense(8, "relu")]);
        first.SetWeights(model.GetWeights().Take(2).ToList());
        AssertPopulation(first.Predict(x), (BatchNormalization)model.Layers[2], unbiased: false);
        var second = new Sequential([new InputLayer([-1, 6]), new Dense(8, "relu"), new BatchNormalization(), new Dense(8)]);
        second.SetWeights(model.GetWeights().Take(8).ToList());
        AssertPopulation(second.Predict(x), (BatchNormalization)model.Layers[4], unbiased: true);
        Assert.Throws<StrataException>(() => model.RecalibrateBatchNorm(x, batches: 0));
    }

    private static void AssertPopulation(Tensor input, BatchNormalization layer, bool unbiased)
    {
        int rows = input.Dim(0), channels = input.Dim(1);
        for (int c = 0; c < channels; c++)
        {
            var v = Enumerable.Range(0, rows).Select(r => (double)input.Data[r * channels + c]).ToArray();
            double mean = v.Average(), ss = v.Sum(u => (u - mean) * (u - mean));
            Assert.Equal(mean, layer.MovingMean!.Value.Data[c], 4);
            Assert.Equal(ss / (unbiased ? rows - 1 : rows), layer.MovingVariance!.Value.Data[c], 3);
        }
    }

    [Fact]
    public void RegularizationPenaltiesAreAddedToTheLoss()
    {
        var (x, y) = Data(40);
        var model = new Sequential([new InputLayer([-1, 6]), new Dense(new DenseConfig { Units = 4, Weights = new() { Kernel = new(Initializer.GlorotUniform(), Regularizer.L1L2(0.01, 0.1)) }, ActivityRegularizer = Regularizer.L2(0.5) }), new Dense(1)], seed: 5);
        model.Compile(new SGD(0.01), new MeanSquaredError());
        var plain = new Sequential([new InputLayer([-1, 6]), new Dense(4), new Dense(1)], seed: 5);
        plain.Compile(new SGD(0.01), new MeanSquaredError());
        plain.SetWeights(model.GetWeights());
        var kernel = model.GetWeights()[0];
        var hidden = new Sequential([new InputLayer([-1, 6]), new Dense(4)]);
        hidden.SetWeights(model.GetWeights().Take(2).ToList());
        double activity = 0.5 * hidden.Predict(x).Data.Sum(v => (double)v * v) / 40;
        double penalty = 0.01 * kernel.Sum(v => Math.Abs((double)v)) + 0.1 * kernel.Sum(v => (double)v * v);
        Assert.Equal(plain.Evaluate(x, y, batchSize: 40)["loss"] + penalty + activity, model.Evaluate(x, y, batchSize: 40)["loss"], 4);
    }

    [Fact]
    public void ConstraintsHoldAfterEveryStep()
    {
        var (x, y) = Data(64);
        var dense = new Dense(new DenseConfig { Units = 5, Weights = new() { Kernel = new(Initializer.GlorotUniform(), Constraint: Constraint.MaxNorm(0.5)), Bias = new(Initializer.Zeros(), Constraint: Constraint.NonNeg()) } });
        var unit = new Dense(new DenseConfig { Units = 3, Weights = new() { Kernel = new(Initializer.GlorotUniform(), Constraint: Constraint.UnitNorm()) } });
        var model = new Sequential([new InputLayer([-1, 6]), dense, unit, new Dense(1)], seed: 6);
        model.Compile(new Adam(0.05), new MeanSquaredError());
        model.Fit(x, y, batchSize: 8, epochs: 2);
        var w = dense.Kernel!.Value;
        for (int j = 0; j < 5; j++)
            Assert.True(Math.Sqrt(Enumerable.Range(0, 6).Sum(i => (double)w.Data[i * 5 + j] * w.Data[i * 5 + j])) <= 0.5 + 1e-5);
        Assert.All(dense.Bias!.Value.Data, b => Assert.True(b >= 0));
        var u = unit.Kernel!.Value;
        for (int j = 0; j < 3; j++)
            Assert.Equal(1, Math.Sqrt(Enumerable.Range(0, 5).Sum(i => (double)u.Data[i * 3 + j] * u.Data[i * 3 + j])), 4);
    }
}
