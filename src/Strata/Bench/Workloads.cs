using System.Diagnostics;
using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Data;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Recurrent;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Callbacks;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Strata.Formats;
using Strata.Kernels;

namespace Strata.Bench;

/// <summary>
/// The benchmark workloads of ../shared/bench/torch_reference.py, run by Strata, printing one JSON
/// object per workload with the same fields (and "engine": "strata"), so the two can be compared
/// side by side. Benchmarks, not tests: they time and report, they do not judge.
/// </summary>
public static class Workloads
{
    /// <summary>The workloads <see cref="Run"/> knows.</summary>
    public static readonly IReadOnlyList<string> Names = ["peak", "gemm", "redwine", "redwine-infer", "fashion-cnn", "fashion-rnn"];

    /// <summary>
    /// Runs one workload and writes one JSON object per result to <paramref name="output"/>, with
    /// the fields of the PyTorch reference plus "engine", "version" and "threads".
    /// </summary>
    /// <param name="workload">One of <see cref="Names"/>.</param>
    /// <param name="epochs">Epochs of the training workloads.</param>
    /// <param name="limit">Images of the Fashion-MNIST workload.</param>
    /// <param name="dataDirectory">The folder holding red-wine.csv.</param>
    /// <param name="fashionDirectory">The folder of the Fashion-MNIST IDX files.</param>
    /// <param name="seed">The seed of the models' weights, dropout and shuffling.</param>
    /// <param name="output">Receives the JSON lines.</param>
    /// <param name="width">The Red Wine model's layer width.</param>
    /// <param name="batchSize">The Red Wine workload's batch size.</param>
    /// <param name="communicator">
    /// The ranks that share the training workloads' batches (mpirun); rank 0 alone writes, and the results
    /// add the ranks and the time per step they spent exchanging.
    /// </param>
    /// <param name="reproducibleSums">Whether the training workloads take their sums in fixed point (<see cref="Sequential.ReproducibleSums"/>).</param>
    public static void Run(string workload, int epochs, int limit, string dataDirectory, string fashionDirectory, int seed, TextWriter output,
        int width = 1024, int batchSize = 256, Distributed.ICommunicator? communicator = null, bool reproducibleSums = false)
    {
        var ranks = communicator is { Size: > 1 } ? new TimedCommunicator(communicator) : null;
        if (epochs < 1 || limit < 1 || width < 1 || batchSize < 1)
            throw new StrataException($"The benchmark's epochs, limit, width and batch size must be positive. Received: {epochs}, {limit}, {width}, {batchSize}");
        Action<JsonObject> emit = fields =>
        {
            fields["engine"] = "strata";
            fields["version"] = typeof(Sequential).Assembly.GetName().Version?.ToString(3);
            fields["threads"] = Compute.Threads;
            if (reproducibleSums) fields["reproducible_sums"] = true;
            if (ranks is not null)
            {
                if (ranks.Rank > 0) return;
                fields["ranks"] = ranks.Size;
            }
            output.WriteLine(fields.ToJsonString());
            output.Flush();
        };
        switch (workload)
        {
            case "peak": Peak(emit); break;
            case "gemm": Gemm(emit); break;
            case "redwine": RedWine(epochs, dataDirectory, seed, width, batchSize, emit, ranks, reproducibleSums); break;
            case "redwine-infer": RedWineInference(seed, emit); break;
            case "fashion-cnn": Fashion(epochs, limit, fashionDirectory, seed, emit, ranks, reproducibleSums); break;
            case "fashion-rnn": FashionRecurrent(epochs, limit, fashionDirectory, seed, emit); break;
            default: throw new StrataException($"Unknown workload '{workload}'{NameSuggestion.DidYouMean(workload, Names)}. Workloads: {string.Join(", ", Names)}.");
        }
    }

    /// <summary>
    /// The float FMA throughput of the instruction-set path the kernels use, one thread and all
    /// threads together: what a matrix product on that path could reach at best on this clock.
    /// </summary>
    private static void Peak(Action<JsonObject> emit)
    {
        var isa = InstructionSets.Default;
        double one = FmaPeak.Measure(isa, 1), all = FmaPeak.Measure(isa, Compute.Threads);
        emit(new JsonObject
        {
            ["workload"] = "peak", ["instruction_set"] = InstructionSets.Name(isa), ["fma_lanes"] = FmaPeak.Lanes(isa),
            ["fma_gflops_1_thread"] = one, ["fma_gflops"] = all,
            // Two FMA pipes per core: lanes × 2 flops × 2 per cycle.
            ["clock_ghz_estimate"] = one / (FmaPeak.Lanes(isa) * 4),
        });
    }

    private static void Gemm(Action<JsonObject> emit)
    {
        double peak = FmaPeak.Measure(InstructionSets.Default, Compute.Threads);
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
            emit(new JsonObject
            {
                ["workload"] = "gemm", ["n"] = n, ["gflops"] = 2.0 * n * n * n / seconds / 1e9, ["seconds"] = seconds,
                ["peak_fraction"] = 2.0 * n * n * n / seconds / 1e9 / peak,
            });
        }
    }

    /// <summary>
    /// The time each graph node took since <see cref="NodeTimings.Enabled"/> was set, as a table of
    /// the 30 slowest: forward and backward milliseconds and the share of the total.
    /// </summary>
    public static string ProfileText()
    {
        var timings = NodeTimings.Collect();
        double total = timings.Sum(t => t.ForwardMilliseconds + t.BackwardMilliseconds);
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"{"node",-22} {"shape",-20} {"forward ms",12} {"backward ms",12} {"share",7}");
        foreach (var t in timings.Take(30))
            sb.AppendLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{t.Node,-22} {t.Shape,-20} {t.ForwardMilliseconds,12:F1} {t.BackwardMilliseconds,12:F1} {(t.ForwardMilliseconds + t.BackwardMilliseconds) / total,7:P1}"));
        return sb.ToString();
    }

    internal static Sequential RedWineModel(int seed, int width = 1024) => new(
    [
        new InputLayer([-1, 11]),
        new Dense(width, "relu"), new Dropout(0.3), new BatchNormalization(),
        new Dense(width, "relu"), new Dropout(0.3), new BatchNormalization(),
        new Dense(width, "relu"), new Dropout(0.3), new BatchNormalization(),
        new Dense(1),
    ], seed: seed);

    private static void RedWine(int epochs, string dataDirectory, int seed, int width, int batchSize, Action<JsonObject> emit, TimedCommunicator? ranks,
        bool reproducibleSums)
    {
        var table = CsvTable.Load(Path.Combine(dataDirectory, "red-wine.csv"));
        var (x, y, _) = table.Split("quality");
        var (tx, ty, vx, vy) = DataSplit.TrainValidation(x, y, 0.3, seed);
        var model = RedWineModel(seed, width);
        model.ReproducibleSums = reproducibleSums;
        model.Compile(new Adam(), new MeanAbsoluteError());
        var timer = new StepMeter();
        var history = model.Fit(tx, ty, batchSize: batchSize, epochs: epochs, validationData: (vx, vy), seed: seed, callbacks: [timer], communicator: ranks);
        var (median, min) = timer.EpochSeconds();
        emit(new JsonObject
        {
            ["workload"] = "redwine", ["epochs"] = epochs, ["train_rows"] = tx.Dim(0), ["width"] = width, ["batch_size"] = batchSize,
            ["seconds_per_epoch_median"] = median, ["seconds_per_epoch_min"] = min,
            ["best_val_mae"] = history["val_loss"].Min(), ["allocated_bytes_per_step"] = timer.BytesPerStep,
            ["peak_working_set_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
            ["exchange_ms_per_step"] = timer.PerStep(ranks),
        });
    }

    /// <summary>
    /// Batch-1 latency and batch-1024 throughput of the Red Wine model compiled for inference
    /// (<see cref="InferenceModel"/>: BatchNormalization folded, no graph), and of Sequential.Predict.
    /// </summary>
    private static void RedWineInference(int seed, Action<JsonObject> emit)
    {
        var model = RedWineModel(seed);
        model.Build([-1, 11]);
        var plan = InferenceModel.Create(model);
        var random = new RandomGenerator(2);
        var one = new Tensor(1, 11);
        for (int i = 0; i < 11; i++) one.Data[i] = (float)random.NextGaussian();
        var batch = new Tensor(1024, 11);
        for (int i = 0; i < batch.Size; i++) batch.Data[i] = (float)random.NextGaussian();
        var y1 = new float[1];
        var y1024 = new float[1024];
        double latency = Seconds(2000, 50, () => plan.Predict(one.Data, 1, y1));
        double throughput = 1024 / Seconds(20, 3, () => plan.Predict(batch.Data, 1024, y1024));
        double graphLatency = Seconds(2000, 50, () => model.Predict(one, batchSize: 1));
        double graphThroughput = 1024 / Seconds(20, 3, () => model.Predict(batch, batchSize: 1024));
        emit(new JsonObject
        {
            ["workload"] = "redwine-infer", ["batch1_latency_us"] = latency * 1e6, ["batch1024_rows_per_s"] = throughput,
            ["predict_batch1_latency_us"] = graphLatency * 1e6, ["predict_batch1024_rows_per_s"] = graphThroughput,
        });
    }

    // Seconds per call of action, after a warm-up.
    private static double Seconds(int reps, int warmup, Action action)
    {
        for (int i = 0; i < warmup; i++) action();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) action();
        return clock.Elapsed.TotalSeconds / reps;
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

    private static void Fashion(int epochs, int limit, string directory, int seed, Action<JsonObject> emit, TimedCommunicator? ranks,
        bool reproducibleSums)
    {
        var set = Datasets.FashionMnist(directory, limit);
        var model = FashionModel(seed);
        model.ReproducibleSums = reproducibleSums;
        model.Compile(new Adam(), new SparseCategoricalCrossentropy(), ["accuracy"]);
        var timer = new StepMeter();
        model.Fit(set.TrainImages, set.TrainLabels, batchSize: 128, epochs: epochs, seed: seed, callbacks: [timer], communicator: ranks);
        var (median, min) = timer.EpochSeconds(skipFirst: false);
        double accuracy = model.Evaluate(set.TestImages, set.TestLabels, 1000)["accuracy"];
        emit(new JsonObject
        {
            ["workload"] = "fashion-cnn", ["epochs"] = epochs, ["train_images"] = set.TrainImages.Dim(0),
            ["seconds_per_epoch_median"] = median, ["seconds_per_epoch_min"] = min, ["test_accuracy"] = accuracy,
            ["allocated_bytes_per_step"] = timer.BytesPerStep,
            ["peak_working_set_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
            ["exchange_ms_per_step"] = timer.PerStep(ranks),
        });
    }

    /// <summary>Fashion-MNIST read row by row: 28 steps of 28 pixels, LSTM(128), softmax over 10 classes.</summary>
    internal static Sequential FashionRecurrentModel(int seed) => new(
    [
        new InputLayer([-1, 28, 28, 1]), new Reshape([28, 28]), new LSTM(128), new Dense(10, "softmax"),
    ], seed: seed);

    private static void FashionRecurrent(int epochs, int limit, string directory, int seed, Action<JsonObject> emit)
    {
        var set = Datasets.FashionMnist(directory, limit);
        var model = FashionRecurrentModel(seed);
        model.Compile(new Adam(), new SparseCategoricalCrossentropy(), ["accuracy"]);
        var timer = new StepMeter();
        model.Fit(set.TrainImages, set.TrainLabels, batchSize: 128, epochs: epochs, seed: seed, callbacks: [timer]);
        var (median, min) = timer.EpochSeconds(skipFirst: false);
        double accuracy = model.Evaluate(set.TestImages, set.TestLabels, 1000)["accuracy"];
        emit(new JsonObject
        {
            ["workload"] = "fashion-rnn", ["epochs"] = epochs, ["train_images"] = set.TrainImages.Dim(0),
            ["seconds_per_epoch_median"] = median, ["seconds_per_epoch_min"] = min, ["test_accuracy"] = accuracy,
            ["allocated_bytes_per_step"] = timer.BytesPerStep,
            ["peak_working_set_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
        });
    }

    /// <summary>Times epochs and counts the bytes allocated between consecutive steps of an epoch (after the first epoch).</summary>
    private sealed class StepMeter : Callback
    {
        private readonly List<double> _epochs = [];
        private readonly Stopwatch _clock = new();
        private long _lastBytes, _bytes, _steps, _allSteps;
        private int _epoch, _totalEpochs;

        public double? BytesPerStep => _steps == 0 ? null : (double)_bytes / _steps;

        public override void OnEpochBegin(int epoch, int epochs)
        {
            _epoch = epoch;
            _totalEpochs = epochs;
            _lastBytes = -1;
            _clock.Restart();
        }

        // Milliseconds per step the ranks spent exchanging, over the whole fit; null in one process.
        public double? PerStep(TimedCommunicator? ranks) => ranks is null || _allSteps == 0 ? null : ranks.Seconds * 1e3 / _allSteps;

        public override void OnBatchEnd(int batch, int batches, double batchLoss, double meanLoss)
        {
            _allSteps++;
            // The first epoch builds the graphs and warms every thread's buffers; a one-epoch run
            // counts from its third step.
            if (_epoch == 0 && (_totalEpochs > 1 || batch < 2)) return;
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
