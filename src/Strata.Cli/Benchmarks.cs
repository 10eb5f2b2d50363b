using System.Diagnostics;
using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Data;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Callbacks;
using Strata.Training.Losses;
using Strata.Training.Optimizers;

namespace Strata.Cli;

/// <summary>
/// The benchmark workloads of ../shared/bench/torch_reference.py, run by Strata, printing one JSON
/// object per workload with the same fields (and "engine": "strata"), so the two can be compared
/// side by side. Benchmarks, not tests: they time and report, they do not judge.
/// </summary>
internal static class Benchmarks
{
    public static void Run(string workload, int epochs, int limit, string dataDirectory, string fashionDirectory, int seed, TextWriter output)
    {
        Action<JsonObject> emit = fields =>
        {
            fields["engine"] = "strata";
            fields["version"] = typeof(Sequential).Assembly.GetName().Version?.ToString(3);
            fields["threads"] = Compute.Threads;
            output.WriteLine(fields.ToJsonString());
            output.Flush();
        };
        switch (workload)
        {
            case "gemm": Gemm(emit); break;
            case "redwine": RedWine(epochs, dataDirectory, seed, emit); break;
            case "redwine-infer": RedWineInference(seed, emit); break;
            case "fashion-cnn": Fashion(epochs, limit, fashionDirectory, seed, emit); break;
            default: throw new StrataException($"Unknown workload '{workload}'. Workloads: gemm, redwine, redwine-infer, fashion-cnn.");
        }
    }

    private static void Gemm(Action<JsonObject> emit)
    {
        foreach (int n in new[] { 256, 1024, 2048 })
        {
            var graph = new Graph();
            var a = graph.Input([n, n]);
            var b = graph.Input([n, n]);
            var random = new RandomGenerator(1);
            foreach (var t in new[] { a.Value, b.Value })
                for (int i = 0; i < t.Size; i++) t.Data[i] = (float)random.NextGaussian();
            Ops.MatMul(a, b);
            for (int i = 0; i < 3; i++) graph.Forward();
            int reps = Math.Max(3, (int)(2e10 / (2.0 * n * n * n)));
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) graph.Forward();
            double seconds = clock.Elapsed.TotalSeconds / reps;
            emit(new JsonObject { ["workload"] = "gemm", ["n"] = n, ["gflops"] = 2.0 * n * n * n / seconds / 1e9, ["seconds"] = seconds });
        }
    }

    internal static Sequential RedWineModel(int seed) => new(
    [
        new InputLayer([-1, 11]),
        new Dense(1024, "relu"), new Dropout(0.3), new BatchNormalization(),
        new Dense(1024, "relu"), new Dropout(0.3), new BatchNormalization(),
        new Dense(1024, "relu"), new Dropout(0.3), new BatchNormalization(),
        new Dense(1),
    ], seed: seed);

    private static void RedWine(int epochs, string dataDirectory, int seed, Action<JsonObject> emit)
    {
        var table = CsvTable.Load(Path.Combine(dataDirectory, "red-wine.csv"));
        var (x, y, _) = table.Split("quality");
        var (tx, ty, vx, vy) = DataSplit.TrainValidation(x, y, 0.3, seed);
        var model = RedWineModel(seed);
        model.Compile(new Adam(), new MeanAbsoluteError());
        var timer = new StepMeter();
        var history = model.Fit(tx, ty, batchSize: 256, epochs: epochs, validationData: (vx, vy), seed: seed, callbacks: [timer]);
        var (median, min) = timer.EpochSeconds();
        emit(new JsonObject
        {
            ["workload"] = "redwine", ["epochs"] = epochs, ["train_rows"] = tx.Dim(0),
            ["seconds_per_epoch_median"] = median, ["seconds_per_epoch_min"] = min,
            ["best_val_mae"] = history["val_loss"].Min(), ["allocated_bytes_per_step"] = timer.BytesPerStep,
        });
    }

    private static void RedWineInference(int seed, Action<JsonObject> emit)
    {
        var model = RedWineModel(seed);
        model.Build([-1, 11]);
        var one = new Tensor(1, 11);
        var random = new RandomGenerator(2);
        for (int i = 0; i < 11; i++) one.Data[i] = (float)random.NextGaussian();
        for (int i = 0; i < 50; i++) model.Predict(one, batchSize: 1);
        const int reps = 2000;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) model.Predict(one, batchSize: 1);
        double latency = clock.Elapsed.TotalSeconds / reps;
        var batch = new Tensor(1024, 11);
        for (int i = 0; i < batch.Size; i++) batch.Data[i] = (float)random.NextGaussian();
        for (int i = 0; i < 3; i++) model.Predict(batch, batchSize: 1024);
        clock.Restart();
        for (int i = 0; i < 20; i++) model.Predict(batch, batchSize: 1024);
        double throughput = 20 * 1024 / clock.Elapsed.TotalSeconds;
        emit(new JsonObject { ["workload"] = "redwine-infer", ["batch1_latency_us"] = latency * 1e6, ["batch1024_rows_per_s"] = throughput });
    }

    internal static Sequential FashionModel(int seed) => new(
    [
        new InputLayer([-1, 28, 28, 1]),
        new Conv2D(32, 3), new BatchNormalization(), new Activation("relu"),
        new Conv2D(32, 3), new BatchNormalization(), new Activation("relu"),
        new MaxPooling2D(), new Dropout(0.2),
        new Conv2D(64, 3), new BatchNormalization(), new Activation("relu"),
        new Conv2D(64, 3), new BatchNormalization(), new Activation("relu"),
        new MaxPooling2D(), new Dropout(0.2),
        new Flatten(), new Dense(512), new BatchNormalization(), new Activation("relu"), new Dropout(0.4),
        new Dense(10, "softmax"),
    ], seed: seed);

    private static void Fashion(int epochs, int limit, string directory, int seed, Action<JsonObject> emit)
    {
        var set = Datasets.FashionMnist(directory, limit);
        var model = FashionModel(seed);
        model.Compile(new Adam(), new SparseCategoricalCrossentropy(), ["accuracy"]);
        var timer = new StepMeter();
        model.Fit(set.TrainImages, set.TrainLabels, batchSize: 128, epochs: epochs, seed: seed, callbacks: [timer]);
        var (median, min) = timer.EpochSeconds(skipFirst: false);
        double accuracy = model.Evaluate(set.TestImages, set.TestLabels, 1000)["accuracy"];
        emit(new JsonObject
        {
            ["workload"] = "fashion-cnn", ["epochs"] = epochs, ["train_images"] = set.TrainImages.Dim(0),
            ["seconds_per_epoch_median"] = median, ["seconds_per_epoch_min"] = min, ["test_accuracy"] = accuracy,
            ["allocated_bytes_per_step"] = timer.BytesPerStep,
        });
    }

    /// <summary>Times epochs and counts the bytes allocated between consecutive steps of an epoch (after the first epoch).</summary>
    private sealed class StepMeter : Callback
    {
        private readonly List<double> _epochs = [];
        private readonly Stopwatch _clock = new();
        private long _lastBytes, _bytes, _steps;
        private int _epoch;

        public double BytesPerStep => _steps == 0 ? double.NaN : (double)_bytes / _steps;

        public override void OnEpochBegin(int epoch, int epochs)
        {
            _epoch = epoch;
            _lastBytes = -1;
            _clock.Restart();
        }

        public override void OnBatchEnd(int batch, int batches, double batchLoss, double meanLoss)
        {
            if (_epoch == 0) return;
            long now = GC.GetTotalAllocatedBytes(precise: true);
            // The last step of an epoch may have another batch size, with its own first-use graph.
            if (_lastBytes >= 0 && batch < batches - 1)
            {
                _bytes += now - _lastBytes;
                _steps++;
            }
            _lastBytes = now;
        }

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => _epochs.Add(_clock.Elapsed.TotalSeconds);

        public (double Median, double Min) EpochSeconds(bool skipFirst = true)
        {
            var times = (skipFirst && _epochs.Count > 1 ? _epochs.Skip(1) : _epochs).Order().ToList();
            return (times[times.Count / 2], times[0]);
        }
    }
}
