using System.Text.Json.Nodes;
using Strata.Data;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Callbacks;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Models;

public class SequentialTests
{
    private static Sequential RedWineModel(int width = 1024, int seed = 0) => new(
    [
        new InputLayer([-1, 11]),
        new Dense(width, "relu"), new Dropout(0.3), new BatchNormalization(),
        new Dense(width, "relu"), new Dropout(0.3), new BatchNormalization(),
        new Dense(width, "relu"), new Dropout(0.3), new BatchNormalization(),
        new Dense(1),
    ], seed: seed);

    private static (Tensor X, Tensor Y) RedWine()
    {
        var table = CsvTable.Load(Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv"));
        var (x, y, _) = table.Split("quality");
        return (x, y);
    }

    [Fact]
    public void SummaryIsTheKerasTable()
    {
        var summary = RedWineModel().Summary();
        Assert.Contains("│ dense (Dense)                   │ (None, 1024)           │        12,288 │", summary);
        Assert.Contains("│ batch_normalization_2 (BatchNo… │ (None, 1024)           │         4,096 │", summary);
        Assert.Contains("│ dense_3 (Dense)                 │ (None, 1)              │         1,025 │", summary);
        Assert.Contains(" Total params: 2,124,801 (8.11 MB)", summary);
        Assert.Contains(" Trainable params: 2,118,657 (8.08 MB)", summary);
        Assert.Contains(" Non-trainable params: 6,144 (24.00 KB)", summary);
    }

    [Fact]
    public void LoadsTheConfigKerasWrites()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(TestSupport.RepositoryRoot, "examples", "red-wine.json")))!["model"];
        var model = Sequential.FromConfig(config);
        Assert.Equal(10, model.Layers.Count);
        Assert.Equal(["dense", "dropout", "batch_normalization", "dense_1"], model.Layers.Take(4).Select(l => l.Name));
        var bn = Assert.IsType<BatchNormalization>(model.Layers[2]);
        Assert.Equal(0.99, bn.Momentum);
        Assert.Equal(1e-3, bn.Epsilon);
        Assert.Equal(0.3, Assert.IsType<Dropout>(model.Layers[1]).Rate);
        // The config Strata writes reads back to the same config.
        Assert.Equal(model.GetConfig().ToJsonString(), Sequential.FromConfig(model.GetConfig()).GetConfig().ToJsonString());
    }

    [Fact]
    public void TrainingOnRedWineLowersTheLossAndInferenceIgnoresDropout()
    {
        var (x, y) = RedWine();
        var (tx, ty, vx, vy) = DataSplit.TrainValidation(x, y, 0.3, 0);
        var model = RedWineModel(width: 64);
        model.Compile(new Adam(learningRate: 0.01), new MeanAbsoluteError(), ["mae"]);
        var history = model.Fit(tx, ty, batchSize: 256, epochs: 10, validationData: (vx, vy));
        Assert.Equal(10, history.Epochs.Count);
        Assert.True(history["loss"][^1] < history["loss"][0] * 0.5, $"loss {history["loss"][0]} -> {history["loss"][^1]}");
        for (int i = 0; i < 10; i++) Assert.Equal(history["loss"][i], history["mae"][i], 4);
        Assert.True(history.Contains("val_loss") && history.Contains("val_mae"));
        // Inference is deterministic: dropout is off and BatchNormalization uses moving statistics.
        Assert.Equal(model.Predict(vx).Data, model.Predict(vx, batchSize: 7).Data);
        var evaluation = model.Evaluate(vx, vy, 256);
        Assert.Equal(history["val_loss"][^1], evaluation["loss"], 6);
    }

    [Fact]
    public void SameSeedGivesIdenticalTrainingWithOneOrTwoThreads()
    {
        var (x, y) = RedWine();
        string Run(int threads)
        {
            int saved = Compute.Threads;
            Compute.Threads = threads;
            try
            {
                var model = RedWineModel(width: 96, seed: 5);
                model.Compile(new Adam(), new MeanAbsoluteError());
                return model.Fit(x, y, batchSize: 128, epochs: 3, validationSplit: 0.25, seed: 9).ToCsv()
                    + string.Join(",", model.Predict(x.SliceRows(0, 5)).Data);
            }
            finally
            {
                Compute.Threads = saved;
            }
        }
        string one = Run(1);
        Assert.Equal(one, Run(2));
        Assert.Equal(one, Run(1));
    }

    [Fact]
    public void SaveAndLoadRoundTripExactly()
    {
        var (x, y) = RedWine();
        var model = RedWineModel(width: 32);
        model.FeatureNames = Enumerable.Range(0, 11).Select(i => $"f{i}").ToArray();
        model.Compile(new Adam(learningRate: 0.003), new Huber(), ["mae"]);
        model.Fit(x, y, batchSize: 256, epochs: 2);
        var directory = Directory.CreateTempSubdirectory("strata-roundtrip-");
        string path = Path.Combine(directory.FullName, "model.strata");
        try
        {
            model.Save(path);
            var loaded = Sequential.Load(path);
            Assert.Equal(model.GetConfig().ToJsonString(), loaded.GetConfig().ToJsonString());
            Assert.Equal(model.GetWeights(), loaded.GetWeights());
            Assert.Equal(model.Predict(x).Data, loaded.Predict(x).Data);
            Assert.Equal(model.FeatureNames, loaded.FeatureNames);
            Assert.Equal("huber", loaded.Loss!.Name);
            Assert.Equal(0.003, loaded.Optimizer!.LearningRate);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void EarlyStoppingStopsAndRestoresTheBestWeights()
    {
        var (x, y) = RedWine();
        var model = RedWineModel(width: 16);
        // A huge learning rate makes validation loss bounce, so patience runs out early.
        model.Compile(new SGD(learningRate: 0.5), new MeanAbsoluteError());
        var stop = new EarlyStopping(patience: 1, restoreBestWeights: true);
        var history = model.Fit(x, y, batchSize: 64, epochs: 40, validationSplit: 0.3, callbacks: [stop]);
        Assert.True(stop.StoppedEpoch > 0 && history.Epochs.Count < 40);
        var best = history["val_loss"].Min();
        var (vx, vy) = (x.SliceRows(1120, 479), y.SliceRows(1120, 479));
        Assert.Equal(best, model.Evaluate(vx, vy, 64)["loss"], 4);
    }

    [Fact]
    public void ReduceLROnPlateauCutsTheLearningRate()
    {
        var model = new Sequential([new InputLayer([-1, 1]), new Dense(1)]);
        var adam = new Adam(learningRate: 0.1);
        model.Compile(adam, new MeanSquaredError());
        var x = new Tensor([4, 1], [1, 2, 3, 4]);
        var y = new Tensor([4, 1], [1, 1, 1, 1]);
        var plateau = new ReduceLROnPlateau(monitor: "loss", factor: 0.5, patience: 1, minDelta: 1e9);
        model.Fit(x, y, batchSize: 4, epochs: 3, callbacks: [plateau]);
        Assert.Equal(0.025, adam.LearningRate, 10);
    }

    [Fact]
    public void TerminateOnNaNStopsAtTheBadBatch()
    {
        var model = new Sequential([new InputLayer([-1, 1]), new Dense(1)]);
        model.Compile(new SGD(), new MeanSquaredError());
        var x = new Tensor([4, 1], [1, float.MaxValue, 3, 4]);
        var nan = new TerminateOnNaN();
        var history = model.Fit(x, new Tensor(4, 1), batchSize: 1, epochs: 5, shuffle: false, callbacks: [nan]);
        Assert.Equal("epoch 1, batch 2", nan.StoppedAt);
        Assert.Single(history.Epochs);
    }

    [Fact]
    public void ErrorsNameTheProblem()
    {
        var model = new Sequential([new InputLayer([-1, 3]), new Dense(2)]);
        Assert.Contains("must be compiled", Assert.Throws<StrataException>(() => model.Fit(new Tensor(4, 3), new Tensor(4, 2))).Message);
        model.Compile(new Adam(), new MeanSquaredError());
        Assert.Contains("same number of rows", Assert.Throws<StrataException>(() => model.Fit(new Tensor(4, 3), new Tensor(3, 2))).Message);
        Assert.Contains("expects (None, 3)", Assert.Throws<StrataException>(() => model.Predict(new Tensor(4, 5))).Message);
        Assert.Contains("targets have 1 columns", Assert.Throws<StrataException>(() => model.Fit(new Tensor(4, 3), new Tensor(4, 1))).Message);
    }

    [Fact]
    public void ClassificationWithSparseLabelsLearns()
    {
        var rng = new RandomGenerator(3);
        var x = new Tensor(200, 2);
        var y = new Tensor(200, 1);
        for (int i = 0; i < 200; i++)
        {
            int label = i % 3;
            x.Data[2 * i] = (float)(Math.Cos(label * 2.1) * 2 + rng.NextGaussian() * 0.3);
            x.Data[2 * i + 1] = (float)(Math.Sin(label * 2.1) * 2 + rng.NextGaussian() * 0.3);
            y.Data[i] = label;
        }
        var model = new Sequential([new InputLayer([-1, 2]), new Dense(16, "relu"), new Dense(3, "softmax")]);
        model.Compile(new Adam(learningRate: 0.05), new SparseCategoricalCrossentropy(), ["accuracy"]);
        var history = model.Fit(x, y, batchSize: 32, epochs: 20);
        Assert.True(history["accuracy"][^1] > 0.95, $"accuracy {history["accuracy"][^1]}");
    }

    [Fact]
    public void SteadyStateTrainingStepsAllocateLittle()
    {
        var (x, y) = RedWine();
        var model = RedWineModel(width: 256);
        model.Compile(new Adam(), new MeanAbsoluteError());
        int saved = Compute.Threads;
        // Two threads, so the kernels' work items run on a worker thread too.
        Compute.Threads = 2;
        try
        {
            // Two epochs build the steps and start the workers; only steady-state epochs are counted.
            model.Fit(x, y, batchSize: 256, epochs: 2, shuffle: true);
            // Every thread's allocations count, the workers' too. The least of three measurements leaves out
            // what the test host allocates on its own threads meanwhile.
            long perEpoch = long.MaxValue;
            for (int i = 0; i < 3; i++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                model.Fit(x, y, batchSize: 256, epochs: 3, shuffle: true);
                perEpoch = Math.Min(perEpoch, (GC.GetTotalAllocatedBytes(precise: true) - before) / 3);
            }
            // Tensors and gradients are reused; what remains is per-epoch bookkeeping (logs, history, index order),
            // about 3 KB. A 16-float array per BatchNormalization work item on the worker alone adds about 7 KB.
            Assert.True(perEpoch < 8 * 1024, $"{perEpoch} bytes allocated per epoch");
        }
        finally
        {
            Compute.Threads = saved;
        }
    }
}
