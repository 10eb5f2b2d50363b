using Strata.Distributed;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Callbacks;

namespace Strata.Training;

/// <summary>
/// One fit of a <see cref="Sequential"/> model, as Keras's <c>model.fit</c> runs it: the loop over
/// epochs and batches, and everything that lasts only as long as that loop: the shuffling generator
/// and the row order it permutes, the callbacks, the history, whether a callback asked to stop and
/// whether the fit was interrupted or cancelled. The model keeps its layers, weights and compile
/// settings; a fit changes only its variables, its random streams' positions and its optimizer's state.
/// <see cref="Sequential.Fit"/> creates one and runs it; a fit runs once.
/// </summary>
public sealed partial class FitLoop
{
    private readonly Tensor _x, _y;
    private readonly (Tensor X, Tensor Y)? _validation;
    private readonly bool _shuffle;
    private readonly RandomGenerator _shuffleRandom;
    private readonly List<Callback> _callbacks;
    private readonly TrainingState? _resume;
    private readonly ICommunicator _communicator;
    private int[] _order;
    private History _history = new();
    private volatile bool _interruptRequested;
    private bool _running, _ran;

    /// <summary>
    /// Checks the arguments and builds the model when it has no weights yet; nothing trains before
    /// <see cref="Run"/>. The arguments are <see cref="Sequential.Fit"/>'s: validation data is either
    /// given or, with <paramref name="validationSplit"/>, the last fraction of the rows (taken before
    /// shuffling, as Keras). Each epoch's batches are drawn in an order shuffled by a generator seeded
    /// with <paramref name="seed"/>; without one, from the model's seed and the optimizer's step count,
    /// so a model's first fit shuffles as its seed says and a later fit does not repeat that order.
    /// With <paramref name="resume"/> (from <see cref="CaptureTrainingState(int)"/>, with the same data
    /// and callbacks) the fit continues after its epoch and ends exactly as an uninterrupted fit would.
    /// With a <paramref name="communicator"/> of several ranks, each holding the same model, data and
    /// arguments, every batch is split into contiguous row blocks, one per rank (see <see cref="FitDistribution"/>).
    /// </summary>
    public FitLoop(Sequential model, Tensor x, Tensor y, int batchSize = 32, int epochs = 1,
        (Tensor X, Tensor Y)? validationData = null, double validationSplit = 0, bool shuffle = true,
        int? seed = null, IEnumerable<Callback>? callbacks = null, TrainingState? resume = null, ICommunicator? communicator = null)
    {
        _communicator = communicator ?? Communicators.Single;
        ArgumentNullException.ThrowIfNull(model);
        model.RequireCompiled();
        model.CheckRows(x, y, "training");
        if (batchSize <= 0) throw new StrataException($"Expected a positive batch_size. Received: batch_size={batchSize}");
        if (epochs < 0) throw new StrataException($"Expected a non-negative number of epochs. Received: epochs={epochs}");
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new StrataException($"Expected validation_split in [0, 1). Received: validation_split={validationSplit}");
        if (validationSplit > 0)
        {
            if (validationData is not null) throw new StrataException("Give either validation data or validation_split, not both.");
            int rows = x.Dim(0);
            int train = rows - (int)Math.Floor(rows * validationSplit);
            validationData = (x.SliceRows(train, rows - train), y.SliceRows(train, rows - train));
            x = x.SliceRows(0, train);
            y = y.SliceRows(0, train);
        }
        if (validationData is { } v) model.CheckRows(v.X, v.Y, "validation");
        model.EnsureBuilt(x);

        Model = model;
        BatchSize = batchSize;
        Epochs = epochs;
        (_x, _y, _validation, _shuffle, _resume) = (x, y, validationData, shuffle, resume);
        ulong shuffleSeed = (ulong)(seed ?? model.Seed) ^ 0x5EEDUL;
        // A later unseeded fit of the same model draws new orders rather than repeating the first fit's.
        if (seed is null && model.Optimizer!.Iterations > 0) shuffleSeed = RandomGenerator.Key(shuffleSeed, (ulong)model.Optimizer.Iterations);
        _shuffleRandom = new RandomGenerator(shuffleSeed);
        _callbacks = callbacks?.ToList() ?? [];
        _order = new int[x.Dim(0)];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
    }

    /// <summary>The model being trained.</summary>
    public Sequential Model { get; }

    /// <summary>Rows per training step (the last batch of an epoch may be smaller).</summary>
    public int BatchSize { get; }

    /// <summary>The epoch count the fit runs to, counting those a resumed fit had already done.</summary>
    public int Epochs { get; }

    /// <summary>The callbacks, in the order they are called.</summary>
    public IReadOnlyList<Callback> Callbacks => _callbacks;

    /// <summary>The epochs recorded so far; after <see cref="Run"/>, the history it returned.</summary>
    public History History => _history;

    /// <summary>Set by a callback (as Keras's <c>model.stop_training</c>) to end the fit after the current epoch, or at once from a batch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>
    /// Asks the fit to stop after the current batch without recording the unfinished epoch (Ctrl-C);
    /// <see cref="Run"/>'s cancellation token does the same. The fit then returns normally, with
    /// <see cref="Training.History.Interrupted"/> set; a request made before the fit starts stops it before its first batch.
    /// </summary>
    public void RequestInterrupt() => _interruptRequested = true;

    // With several ranks a stop counts once every rank knows of it (see FitDistribution.SumGradients), so all leave after the same batch.
    private bool _agreedInterrupt;
    private bool Interrupting => _communicator.Size > 1 ? _agreedInterrupt : _interruptRequested;

    /// <summary>
    /// Trains: the epochs from the first (or after the resumed one) to <see cref="Epochs"/>, unless a
    /// callback sets <see cref="StopTraining"/> or the fit is interrupted. When
    /// <paramref name="cancellationToken"/> is cancelled the fit ends as on <see cref="RequestInterrupt"/>:
    /// after the current batch, without an exception, the callbacks' OnTrainEnd still called.
    /// </summary>
    public History Run(CancellationToken cancellationToken = default)
    {
        if (_ran) throw new StrataException("A fit runs once; call Fit again (or create another FitLoop) to train further.");
        _ran = true;
        var model = Model;
        foreach (var c in _callbacks)
        {
            c.Model = model;
            c.Fit = this;
        }
        var metrics = model.CreateMetrics();
        int n = _x.Dim(0), batchSize = BatchSize;
        int batches = (n + batchSize - 1) / batchSize;
        int firstEpoch = 0;
        if (_resume is { } resume)
        {
            RestoreTrainingState(resume, n);
            _order = (int[])resume.Order.Clone();
            _history = resume.History.Clone();
            firstEpoch = resume.Epoch;
        }
        var (order, history, callbacks, layers) = (_order, _history, _callbacks, model.Layers);
        StopTraining = _resume?.Stopped ?? false;
        using var cancellation = cancellationToken.Register(RequestInterrupt);
        _running = true;
        try
        {
            foreach (var c in callbacks) c.OnTrainBegin();
            if (_resume is not null) RestoreCallbackStates(callbacks, _resume.Callbacks);
            for (int epoch = firstEpoch; epoch < Epochs && !StopTraining; epoch++)
            {
                if (Interrupting)
                {
                    history.Interrupted = true;
                    break;
                }
                foreach (var c in callbacks) c.OnEpochBegin(epoch, Epochs);
                if (_shuffle) _shuffleRandom.Shuffle(order);
                foreach (var m in metrics) m.Reset();
                double lossSum = 0;
                for (int b = 0; b < batches; b++)
                {
                    int start = b * batchSize, count = Math.Min(batchSize, n - start);
                    var (offset, rows) = FitDistribution.Share(count, _communicator);
                    var step = model.GetStep(rows, CallMode.Training, targets: true);
                    FitDistribution.Place(step.Graph, _communicator, offset, rows, count);
                    _x.GatherRows(order.AsSpan(start + offset, rows), step.Input.Value);
                    _y.GatherRows(order.AsSpan(start + offset, rows), step.Targets!.Value);
                    double loss = step.Run();
                    // Ranks stop together: a rank asked to stop (Ctrl-C) tells the others with this batch's loss.
                    if (_communicator.Size > 1)
                        (loss, _agreedInterrupt) = FitDistribution.SumGradients(step, _communicator, rows, count, loss, _interruptRequested);
                    if (step.Graph.ReproducibleSums) step.RoundFixedPointGradients();
                    model.Optimizer!.Apply(step.Variables, step.Gradients);
                    for (int i = 0; i < layers.Count; i++) layers[i].ApplyConstraints();
                    lossSum += loss * count;
                    foreach (var m in metrics) m.Update(step.Output.Value, step.Targets.Value, rows);
                    foreach (var c in callbacks) c.OnBatchEnd(b, batches, loss, lossSum / (start + count));
                    if (StopTraining || Interrupting) break;
                }
                if (_communicator.Size > 1) FitDistribution.AverageStatistics(model, _communicator);
                if (Interrupting)
                {
                    // The unfinished epoch is not recorded: a checkpoint of the last whole epoch stays the place to resume from.
                    history.Interrupted = true;
                    break;
                }
                foreach (var m in metrics) m.Merge(_communicator);
                var logs = new Dictionary<string, double> { ["loss"] = lossSum / n };
                foreach (var m in metrics) logs[m.Name] = m.Result;
                if (_validation is { } val)
                    foreach (var (key, value) in model.Evaluate(val.X, val.Y, batchSize, _communicator)) logs["val_" + key] = value;
                history.Record(epoch + 1, logs);
                foreach (var c in callbacks) c.OnEpochEnd(epoch, logs);
            }
            foreach (var c in callbacks) c.OnTrainEnd();
        }
        finally
        {
            _running = false;
        }
        return history;
    }
}
