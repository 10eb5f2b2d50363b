using Strata.Distributed;
using Strata.Layers;
using Strata.Layers.Convolutional;
using Strata.Layers.Regularizers;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;

namespace Strata.Tests.Distributed;

/// <summary>
/// One model trained by several ranks (threads of this process here) sharing each batch: with synchronized
/// BatchNormalization and dropout masks drawn by global row it is the model one process trains, up to the
/// order in which the ranks' gradients are summed.
/// </summary>
public class DataParallelFitTests
{
    private static readonly Tensor X = TestSupport.Random(1, 1.0, 300, 6);
    private static readonly Tensor Y = TestSupport.Random(2, 1.0, 300, 1);

    private static Sequential Model(bool synchronized) => new(
    [
        new InputLayer([-1, 6]), new Dense(16, "relu"), new Dropout(0.3),
        new BatchNormalization(new BatchNormalizationConfig { Synchronized = synchronized }), new Dense(1),
    ], seed: 4);

    private static (float[] Weights, IReadOnlyList<double> Loss) Train(ICommunicator? communicator, bool synchronized = true)
    {
        var model = Model(synchronized);
        model.Compile(new Adam(), new MeanSquaredError(), ["mae"]);
        var history = model.Fit(X, Y, batchSize: 40, epochs: 4, seed: 9, validationData: (X, Y), communicator: communicator);
        return (model.GetWeights().SelectMany(w => w).ToArray(), history["loss"]);
    }

    private static (float[] Weights, IReadOnlyList<double> Loss)[] OnRanks(int size, bool synchronized = true)
    {
        using var group = new InProcessGroup(size);
        var results = new (float[], IReadOnlyList<double>)[size];
        var threads = group.Members.Select(m => new Thread(() => results[m.Rank] = Train(m, synchronized))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return results;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void RanksTrainTheModelOneProcessTrains(int ranks)
    {
        var single = Train(null);
        var shared = OnRanks(ranks);
        // Every rank ends with the same weights, bit for bit.
        Assert.All(shared, r => Assert.Equal(shared[0].Weights, r.Weights));
        // Batches of 40 split 20/20 or 14/13/13 (and the last batch of 20 split too).
        // The goal is 1e-5 relative; these four epochs differ by a few ulps (under 1e-7 relative) from the ranks' summation order.
        TestSupport.AssertClose(single.Weights, shared[0].Weights, 1e-5, "weights");
        TestSupport.AssertClose(single.Loss.Select(l => (float)l).ToArray(), shared[0].Loss.Select(l => (float)l).ToArray(), 1e-5, "loss");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void PredictionsFarBelowTheirTargetsUnderMeanAbsoluteErrorTrainTheSameModelOnRanks(int ranks)
    {
        // Every row's gradient is the same, so BatchNormalization's backward leaves only rounding below it. With its
        // sums in float that rounding depended on the split and Adam made steps of it: 5e-4 and 7e-4 apart after two
        // steps with 2 and 3 ranks. In double the mean of a constant gradient is exact; what is left (2.5e-5) is the
        // output kernel's gradient, a float sum over each rank's rows that nearly cancels.
        var x = TestSupport.Random(11, 10.0, 240, 11);
        for (int i = 0; i < x.Size; i++) x.Data[i] += 20f;
        var y = TestSupport.Random(12, 0.8, 240, 1);
        for (int i = 0; i < y.Size; i++) y.Data[i] += 5.6f;
        float[] Train(ICommunicator? communicator)
        {
            var model = new Sequential(
            [
                new InputLayer([-1, 11]), new Dense(64, "relu"), new Dropout(0.3),
                new BatchNormalization(new BatchNormalizationConfig { Synchronized = true }),
                new Dense(64, "relu"), new Dropout(0.3),
                new BatchNormalization(new BatchNormalizationConfig { Synchronized = true }), new Dense(1),
            ], seed: 5);
            model.Compile(new Adam(), new MeanAbsoluteError(), []);
            model.Fit(x, y, batchSize: 120, epochs: 1, seed: 3, communicator: communicator);
            return model.GetWeights().SelectMany(w => w).ToArray();
        }
        var single = Train(null);
        using var group = new InProcessGroup(ranks);
        var results = new float[ranks][];
        var threads = group.Members.Select(m => new Thread(() => results[m.Rank] = Train(m))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        TestSupport.AssertClose(single, results[0], 1e-4, "weights");
    }

    // The model above, trained longer: with each rank's gradients summed in float, Adam turns the rounding of the
    // near-cancelling sums into whole steps; with the sums in double, rounded once after the ranks add them up
    // (and each row's share of the loss exactly one process's), the ranks train the model one process trains.
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void WithReproducibleSumsRanksTrainTheModelOfOneProcess(int ranks)
    {
        var x = TestSupport.Random(11, 10.0, 240, 11);
        for (int i = 0; i < x.Size; i++) x.Data[i] += 20f;
        var y = TestSupport.Random(12, 0.8, 240, 1);
        for (int i = 0; i < y.Size; i++) y.Data[i] += 5.6f;
        (float[] Weights, double[] Loss) Train(ICommunicator? communicator, bool reproducible)
        {
            var model = new Sequential(
            [
                new InputLayer([-1, 11]), new Dense(64, "relu"), new Dropout(0.3),
                new BatchNormalization(new BatchNormalizationConfig { Synchronized = true }),
                new Dense(64, "relu"), new Dropout(0.3),
                new BatchNormalization(new BatchNormalizationConfig { Synchronized = true }), new Dense(1),
            ], seed: 5) { ReproducibleSums = reproducible };
            model.Compile(new Adam(), new MeanAbsoluteError(), []);
            var history = model.Fit(x, y, batchSize: 64, epochs: 6, seed: 3, communicator: communicator);
            return (model.GetWeights().SelectMany(w => w).ToArray(), history["loss"].ToArray());
        }
        double Difference(bool reproducible)
        {
            var single = Train(null, reproducible);
            using var group = new InProcessGroup(ranks);
            var results = new (float[] Weights, double[] Loss)[ranks];
            var threads = group.Members.Select(m => new Thread(() => results[m.Rank] = Train(m, reproducible))).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.All(results, r => Assert.Equal(results[0].Weights, r.Weights));
            double scale = single.Weights.Max(w => Math.Abs(w));
            return single.Weights.Zip(results[0].Weights, (a, b) => Math.Abs(a - b)).Max() / scale;
        }
        // Six epochs of 4 batches (64 rows split 32/32 or 22/21/21, the last 48 split 24/24 or 16/16/16): bit for bit
        // with the sums in double; 2e-5 of the largest weight apart with them in float.
        Assert.Equal(0, Difference(reproducible: true));
        Assert.True(Difference(reproducible: false) > 0);
    }

    // The Red Wine example's model at a quarter of its width, on its data and split, 10 epochs on 3 ranks (batches of
    // 256 rows split 86/85/85, the last of 95 split 32/32/31): with fixed-point sums every weight has one process's bits.
    [Fact]
    public void WithReproducibleSumsThreeRanksTrainTheRedWineModelOfOneProcessBitForBit()
    {
        var table = Strata.Formats.CsvTable.Load(Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv"));
        var (x, y, _) = table.Split("quality");
        var (tx, ty, vx, vy) = Strata.Data.DataSplit.TrainValidation(x, y, 0.3, 0);
        (float[] Weights, double[] Loss) Train(ICommunicator? communicator)
        {
            var model = new Sequential(
            [
                new InputLayer([-1, 11]),
                new Dense(256, "relu"), new Dropout(0.3), new BatchNormalization(new BatchNormalizationConfig { Synchronized = true }),
                new Dense(256, "relu"), new Dropout(0.3), new BatchNormalization(new BatchNormalizationConfig { Synchronized = true }),
                new Dense(256, "relu"), new Dropout(0.3), new BatchNormalization(new BatchNormalizationConfig { Synchronized = true }),
                new Dense(1),
            ], seed: 0) { ReproducibleSums = true };
            model.Compile(new Adam(), new MeanAbsoluteError(), []);
            var history = model.Fit(tx, ty, batchSize: 256, epochs: 10, validationData: (vx, vy), seed: 0, communicator: communicator);
            return (model.GetWeights().SelectMany(w => w).ToArray(), history["loss"].ToArray());
        }
        var single = Train(null);
        using var group = new InProcessGroup(3);
        var results = new (float[] Weights, double[] Loss)[3];
        var threads = group.Members.Select(m => new Thread(() => results[m.Rank] = Train(m))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(results, r => Assert.Equal(single.Weights, r.Weights));
        // The reported loss is the ranks' parts added in double: the same to float precision.
        TestSupport.AssertClose(single.Loss.Select(l => (float)l).ToArray(), results[0].Loss.Select(l => (float)l).ToArray(), 1e-6, "loss");
    }

    // Weight and activity penalties count in the loss by each rank's share of the rows, so the ranks' gradients
    // add up to one process's, while the mean loss is over the whole batch.
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void PenaltiesCountOnceOverTheRanks(int ranks)
    {
        (float[] Weights, double[] Loss) Train(ICommunicator? communicator)
        {
            var model = new Sequential(
            [
                new InputLayer([-1, 6]),
                new Dense(new DenseConfig { Units = 16, Activation = ActivationFunction.Relu, Weights = new() { Kernel = new(Initializer.GlorotUniform(), Regularizer.L2(0.05)) }, ActivityRegularizer = Regularizer.L2(0.01) }),
                new BatchNormalization(new BatchNormalizationConfig
                {
                    Synchronized = true, ScaleAndCenter = new() { Gamma = new(Initializer.Ones(), Regularizer.L2(0.05)) },
                }),
                new Dense(1),
            ], seed: 4) { ReproducibleSums = true };
            model.Compile(new Adam(), new MeanSquaredError(), []);
            var history = model.Fit(X, Y, batchSize: 40, epochs: 3, seed: 9, communicator: communicator);
            return (model.GetWeights().SelectMany(w => w).ToArray(), history["loss"].ToArray());
        }
        var single = Train(null);
        using var group = new InProcessGroup(ranks);
        var results = new (float[] Weights, double[] Loss)[ranks];
        var threads = group.Members.Select(m => new Thread(() => results[m.Rank] = Train(m))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        // Counted once per rank, the penalties would be 2 or 3 times the whole: the loss would differ by far more.
        TestSupport.AssertClose(single.Weights, results[0].Weights, 1e-5, "weights");
        TestSupport.AssertClose(single.Loss.Select(l => (float)l).ToArray(), results[0].Loss.Select(l => (float)l).ToArray(), 1e-5, "loss");
    }

    [Fact]
    public void TheSameRanksGiveTheSameBitsAgain()
    {
        var first = OnRanks(3);
        var second = OnRanks(3);
        Assert.Equal(first[0].Weights, second[0].Weights);
        Assert.Equal(first[0].Loss, second[0].Loss);
    }

    [Fact]
    public void WithoutSynchronizationEachRankNormalizesItsOwnRowsAndTheModelDiffers()
    {
        var single = Train(null, synchronized: false);
        var shared = OnRanks(2, synchronized: false);
        Assert.All(shared, r => Assert.Equal(shared[0].Weights, r.Weights));
        double largest = single.Weights.Zip(shared[0].Weights, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(largest > 1e-3, $"largest weight difference {largest}");
    }

    [Fact]
    public void ABatchSmallerThanTheRankCountIsRefusedByName()
    {
        using var group = new InProcessGroup(3);
        var errors = new Exception?[3];
        var threads = group.Members.Select(m => new Thread(() =>
        {
            var model = Model(true);
            model.Compile(new Adam(), new MeanSquaredError());
            try { model.Fit(X.SliceRows(0, 2), Y.SliceRows(0, 2), batchSize: 2, communicator: m); }
            catch (Exception e) { errors[m.Rank] = e; }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(errors, e => Assert.Contains("cannot be shared among 3 ranks", e!.Message));
    }

    // Cancels its token at the end of one batch of one epoch.
    private sealed class CancelAt(int epoch, int batch, CancellationTokenSource source) : Strata.Training.Callbacks.Callback
    {
        private int _epoch;
        public override void OnEpochBegin(int epoch, int epochs) => _epoch = epoch;
        public override void OnBatchEnd(int batch1, int batches, double batchLoss, double meanLoss)
        {
            if (_epoch == epoch && batch1 == batch) source.Cancel();
        }
    }

    [Fact]
    public void AStopAskedOfOneRankStopsEveryRankAfterTheSameBatch()
    {
        using var group = new InProcessGroup(2);
        var results = new (Strata.Training.History History, float[] Weights, int Batches)[2];
        var threads = group.Members.Select(m => new Thread(() =>
        {
            using var stop = new CancellationTokenSource();
            var model = Model(true);
            model.Compile(new Adam(), new MeanSquaredError());
            var counter = new BatchCounter();
            // Rank 1 alone is asked to stop, at the end of the third batch of the second epoch.
            Strata.Training.Callbacks.Callback[] callbacks = m.Rank == 1 ? [counter, new CancelAt(1, 2, stop)] : [counter];
            var history = model.Fit(X, Y, batchSize: 40, epochs: 4, seed: 9, callbacks: callbacks, cancellationToken: stop.Token, communicator: m);
            results[m.Rank] = (history, model.GetWeights().SelectMany(w => w).ToArray(), counter.Batches);
        })).ToList();
        threads.ForEach(t => t.Start());
        // A rank that left alone would leave the other waiting: fail instead of hanging.
        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a rank is still waiting for the other"));
        Assert.All(results, r => Assert.True(r.History.Interrupted));
        // The stop is shared with the next batch's exchange: both ranks run 8 + 4 batches and record epoch 1 only.
        Assert.All(results, r => Assert.Equal(12, r.Batches));
        Assert.All(results, r => Assert.Equal([1], r.History.Epochs));
        Assert.Equal(results[0].Weights, results[1].Weights);
    }

    private sealed class BatchCounter : Strata.Training.Callbacks.Callback
    {
        public int Batches { get; private set; }
        public override void OnBatchEnd(int batch, int batches, double batchLoss, double meanLoss) => Batches++;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void RanksEvaluateABlockOfTheRowsEachAndAllGetTheWholeSetsFigures(int ranks)
    {
        static Sequential Compiled()
        {
            var model = Model(true);
            model.Compile(new Adam(), new MeanSquaredError(), ["mae"]);
            return model;
        }
        var single = Compiled().Evaluate(X, Y, batchSize: 64);
        using var group = new InProcessGroup(ranks);
        var results = new Dictionary<string, double>[ranks];
        // Each rank its own copy of the model (the same seed gives the same weights).
        var threads = group.Members.Select(m => new Thread(() => results[m.Rank] = Compiled().Evaluate(X, Y, batchSize: 64, communicator: m))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        // Each batch's mean is a float, and the ranks' blocks are other batches: they differ in the float's last digits.
        foreach (var r in results)
        {
            Assert.Equal(single["loss"], r["loss"], 1e-7 * single["loss"]);
            Assert.Equal(single["mae"], r["mae"], 1e-7 * single["mae"]);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void RanksTrainTheConvolutionalModelOneProcessTrains(int ranks)
    {
        // Conv2D -> BatchNormalization -> ReLU -> MaxPooling2D -> SpatialDropout2D, the pattern of the Fashion-MNIST example,
        // without the convolution's bias: BatchNormalization cancels it, so its gradient is zero but for rounding, which
        // Adam scales up to whole steps in whatever direction the last digits point.
        var images = TestSupport.Random(6, 1.0, 60, 6, 6, 2);
        var targets = TestSupport.Random(7, 1.0, 60, 1);
        (float[] Weights, IReadOnlyList<double> Loss) Train(ICommunicator? communicator)
        {
            var model = new Sequential(
            [
                new InputLayer([-1, 6, 6, 2]), new Conv2D(new Conv2DConfig { Filters = 4, KernelSize = [3, 3], Weights = new() { UseBias = false } }),
                new BatchNormalization(new BatchNormalizationConfig { Synchronized = true }), new Strata.Layers.ActivationLayers.ReLU(new()),
                new Strata.Layers.Pooling.MaxPooling2D(), new SpatialDropout2D(0.25), new Flatten(), new Dense(1),
            ], seed: 5);
            model.Compile(new Adam(), new MeanSquaredError());
            var history = model.Fit(images, targets, batchSize: 20, epochs: 3, seed: 2, communicator: communicator);
            return (model.GetWeights().SelectMany(w => w).ToArray(), history["loss"]);
        }
        var single = Train(null);
        using var group = new InProcessGroup(ranks);
        var shared = new (float[] Weights, IReadOnlyList<double> Loss)[ranks];
        var threads = group.Members.Select(m => new Thread(() => shared[m.Rank] = Train(m))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(shared, r => Assert.Equal(shared[0].Weights, r.Weights));
        TestSupport.AssertClose(single.Weights, shared[0].Weights, 1e-5, "weights");
        TestSupport.AssertClose(single.Loss.Select(l => (float)l).ToArray(), shared[0].Loss.Select(l => (float)l).ToArray(), 1e-5, "loss");
    }

    // The Fashion-MNIST example's pattern with the convolution's bias kept (the example keeps it): with fixed-point
    // sums the convolution's kernel and bias gradients, BatchNormalization's and Dense's sums have one process's bits.
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void WithReproducibleSumsRanksTrainTheConvolutionalModelOfOneProcessBitForBit(int ranks)
    {
        var images = TestSupport.Random(6, 1.0, 60, 6, 6, 2);
        var targets = TestSupport.Random(7, 1.0, 60, 1);
        (float[] Weights, IReadOnlyList<double> Loss) Train(ICommunicator? communicator, bool reproducible)
        {
            var model = new Sequential(
            [
                new InputLayer([-1, 6, 6, 2]), new Conv2D(new Conv2DConfig { Filters = 4, KernelSize = [3, 3], Padding = Padding.Same }),
                new BatchNormalization(new BatchNormalizationConfig { Synchronized = true }), new Strata.Layers.ActivationLayers.ReLU(new()),
                new Strata.Layers.Pooling.MaxPooling2D(), new SpatialDropout2D(0.25), new Flatten(), new Dense(8, "relu"), new Dense(1),
            ], seed: 5) { ReproducibleSums = reproducible };
            model.Compile(new Adam(), new MeanSquaredError());
            var history = model.Fit(images, targets, batchSize: 20, epochs: 4, seed: 2, communicator: communicator);
            return (model.GetWeights().SelectMany(w => w).ToArray(), history["loss"]);
        }
        bool Same(bool reproducible)
        {
            var single = Train(null, reproducible);
            using var group = new InProcessGroup(ranks);
            var shared = new (float[] Weights, IReadOnlyList<double> Loss)[ranks];
            var threads = group.Members.Select(m => new Thread(() => shared[m.Rank] = Train(m, reproducible))).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.All(shared, r => Assert.Equal(shared[0].Weights, r.Weights));
            return single.Weights.SequenceEqual(shared[0].Weights);
        }
        Assert.True(Same(reproducible: true));
        // With float sums the convolution's bias, which BatchNormalization cancels, follows the rounding of its sums.
        Assert.False(Same(reproducible: false));
    }

    // Cross-entropies are means over the batch's rows too: with 3 ranks (batches of 56 split 19/19/18, then 8) each rank
    // divides by the whole batch, and with fixed-point sums the model is one process's bit for bit.
    [Theory]
    [InlineData("sparse_categorical_crossentropy")]
    [InlineData("categorical_crossentropy")]
    [InlineData("binary_crossentropy")]
    public void WithReproducibleSumsRanksTrainAClassifierOfOneProcessBitForBit(string lossName)
    {
        int classes = lossName == "binary_crossentropy" ? 1 : 3;
        var y = new Tensor(lossName == "categorical_crossentropy" ? [120, 3] : [120, 1]);
        for (int r = 0; r < 120; r++)
        {
            int label = (int)(Math.Abs(X.Data[r % 300 * 6]) * 3) % (classes == 1 ? 2 : 3);
            if (lossName == "categorical_crossentropy") y.Data[r * 3 + label] = 1;
            else y.Data[r] = label;
        }
        var x = new Tensor([120, 6], X.Data[..720]);
        float[] Train(ICommunicator? communicator)
        {
            var model = new Sequential(
            [
                new InputLayer([-1, 6]), new Dense(16, "relu"), new Dropout(0.2),
                new BatchNormalization(new BatchNormalizationConfig { Synchronized = true }),
                new Dense(classes, classes == 1 ? "sigmoid" : "softmax"),
            ], seed: 4) { ReproducibleSums = true };
            model.Compile(new Adam(), LossRegistry.FromConfig(System.Text.Json.Nodes.JsonValue.Create(lossName)), []);
            model.Fit(x, y, batchSize: 56, epochs: 3, seed: 9, communicator: communicator);
            return model.GetWeights().SelectMany(w => w).ToArray();
        }
        var single = Train(null);
        using var group = new InProcessGroup(3);
        var results = new float[3][];
        var threads = group.Members.Select(m => new Thread(() => results[m.Rank] = Train(m))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(results, r => Assert.Equal(single, r));
    }
}
