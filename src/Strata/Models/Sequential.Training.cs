using Strata.Layers;
using Strata.Tensors;
using Strata.Training;
using Strata.Training.Callbacks;
using Strata.Training.Metrics;

namespace Strata.Models;

public sealed partial class Sequential
{
    private RandomGenerator? _shuffleRandom;

    /// <summary>
    /// Trains the model, as Keras's fit. Validation data is either given or, with
    /// <paramref name="validationSplit"/>, the last fraction of the rows (taken before shuffling, as Keras).
    /// Each epoch's batches are drawn in an order shuffled by a generator seeded with <paramref name="seed"/>
    /// (default: the model's seed). With <paramref name="resume"/> (from <see cref="CaptureTrainingState(int)"/>,
    /// with the same data and callbacks) the fit continues after its epoch and ends exactly as an
    /// uninterrupted fit would.
    /// </summary>
    public History Fit(Tensor x, Tensor y, int batchSize = 32, int epochs = 1,
        (Tensor X, Tensor Y)? validationData = null, double validationSplit = 0, bool shuffle = true,
        int? seed = null, IEnumerable<Callback>? callbacks = null, TrainingState? resume = null)
    {
        RequireCompiled();
        CheckRows(x, y, "training");
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
        if (validationData is { } v) CheckRows(v.X, v.Y, "validation");
        EnsureBuilt(x);
        if (seed is not null || _shuffleRandom is null) _shuffleRandom = new RandomGenerator((ulong)(seed ?? Seed) ^ 0x5EEDUL);

        var callbackList = callbacks?.ToList() ?? [];
        foreach (var c in callbackList) c.Model = this;
        var metrics = CreateMetrics();
        int n = x.Dim(0);
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        int batches = (n + batchSize - 1) / batchSize;
        var history = new History();
        int firstEpoch = 0;
        if (resume is not null)
        {
            RestoreTrainingState(resume, n);
            order = (int[])resume.Order.Clone();
            history = resume.History.Clone();
            firstEpoch = resume.Epoch;
        }
        (_order, _history, _fitCallbacks) = (order, history, callbackList);

        StopTraining = resume?.Stopped ?? false;
        // A request made before the fit started (Ctrl-C while the data loaded) still counts.
        WasInterrupted = false;
        foreach (var c in callbackList) c.OnTrainBegin();
        if (resume is not null) RestoreCallbackStates(callbackList, resume.Callbacks);
        for (int epoch = firstEpoch; epoch < epochs && !StopTraining; epoch++)
        {
            foreach (var c in callbackList) c.OnEpochBegin(epoch, epochs);
            if (shuffle) _shuffleRandom.Shuffle(order);
            foreach (var m in metrics) m.Reset();
            double lossSum = 0;
            for (int b = 0; b < batches; b++)
            {
                int start = b * batchSize, count = Math.Min(batchSize, n - start);
                var step = GetStep(count, CallMode.Training, targets: true);
                x.GatherRows(order.AsSpan(start, count), step.Input.Value);
                y.GatherRows(order.AsSpan(start, count), step.Targets!.Value);
                double loss = step.Run();
                Optimizer!.Apply(step.Variables, step.Gradients);
                foreach (var layer in _layers) layer.ApplyConstraints();
                lossSum += loss * count;
                foreach (var m in metrics) m.Update(step.Output.Value, step.Targets.Value, count);
                foreach (var c in callbackList) c.OnBatchEnd(b, batches, loss, lossSum / (start + count));
                if (StopTraining || _interruptRequested) break;
            }
            if (_interruptRequested)
            {
                // The unfinished epoch is not recorded: a checkpoint of the last whole epoch stays the place to resume from.
                WasInterrupted = true;
                break;
            }
            var logs = new Dictionary<string, double> { ["loss"] = lossSum / n };
            foreach (var m in metrics) logs[m.Name] = m.Result;
            if (validationData is { } val)
                foreach (var (key, value) in Evaluate(val.X, val.Y, batchSize)) logs["val_" + key] = value;
            history.Record(epoch + 1, logs);
            foreach (var c in callbackList) c.OnEpochEnd(epoch, logs);
        }
        foreach (var c in callbackList) c.OnTrainEnd();
        (_order, _history, _fitCallbacks) = (null, null, null);
        _interruptRequested = false;
        return history;
    }

    /// <summary>The loss and metrics over (x, y) in inference mode, averaged over samples.</summary>
    public Dictionary<string, double> Evaluate(Tensor x, Tensor y, int batchSize = 32)
    {
        RequireCompiled();
        CheckRows(x, y, "evaluation");
        EnsureBuilt(x);
        var metrics = CreateMetrics();
        int n = x.Dim(0);
        double lossSum = 0;
        for (int start = 0; start < n; start += batchSize)
        {
            int count = Math.Min(batchSize, n - start);
            var step = GetStep(count, CallMode.Inference, targets: true);
            CopyRows(x, start, count, step.Input.Value);
            CopyRows(y, start, count, step.Targets!.Value);
            lossSum += step.Run() * count;
            foreach (var m in metrics) m.Update(step.Output.Value, step.Targets.Value, count);
        }
        var result = new Dictionary<string, double> { ["loss"] = lossSum / n };
        foreach (var m in metrics) result[m.Name] = m.Result;
        return result;
    }

    /// <summary>The model's outputs for every row of x, in inference mode.</summary>
    public Tensor Predict(Tensor x, int batchSize = 32)
    {
        EnsureBuilt(x);
        if (batchSize <= 0) throw new StrataException($"Expected a positive batch_size. Received: batch_size={batchSize}");
        int n = x.Dim(0);
        var shape = (int[])OutputShape!.Clone();
        shape[0] = n;
        var result = new Tensor(shape);
        int width = result.Size / Math.Max(1, n);
        for (int start = 0; start < n; start += batchSize)
        {
            int count = Math.Min(batchSize, n - start);
            var step = GetStep(count, CallMode.Inference, targets: false);
            CopyRows(x, start, count, step.Input.Value);
            step.Run();
            step.Output.Value.Data.AsSpan(0, count * width).CopyTo(result.Data.AsSpan(start * width));
        }
        return result;
    }

    // The graph for a batch size and a mode, with the loss when there are targets; a change of
    // Trainable anywhere in the model (a Residual's branch, a single variable) gets new graphs.
    private CompiledStep GetStep(int batch, CallMode mode, bool targets)
    {
        var key = (batch, mode, targets, _trainability.Check(_layers));
        if (_steps.TryGetValue(key, out var step)) return step;

        var graph = new Autodiff.Graph { CollectsLosses = targets };
        var inputShape = (int[])InputShape!.Clone();
        inputShape[0] = batch;
        var input = graph.Input(inputShape);
        Autodiff.Node h = input;
        foreach (var layer in _layers) h = layer.Call(h, mode);
        Autodiff.InputNode? target = null;
        Autodiff.Node? loss = null;
        if (targets)
        {
            target = graph.Input(Loss!.TargetShape(h.Value.ShapeArray()));
            loss = Loss.Compute(h, target);
            // Regularization penalties count in the loss, as in Keras.
            foreach (var penalty in graph.Losses.ToList()) loss = Autodiff.Ops.Add(loss, penalty);
        }
        step = new CompiledStep(graph, mode, input, h, target, loss);
        if (mode.IsTraining)
            foreach (var v in TrainableVariables)
                if (graph.Uses(v)) step.Variables.Add(v);
        _steps[key] = step;
        return step;
    }

    private static void CopyRows(Tensor source, int start, int count, Tensor destination)
    {
        int width = source.Size / source.Dim(0);
        source.Data.AsSpan(start * width, count * width).CopyTo(destination.Data);
    }

    private void EnsureBuilt(Tensor x)
    {
        if (!IsBuilt)
        {
            var shape = InputShape is not null ? InputShape : x.ShapeArray();
            Build(shape);
        }
        var expected = InputShape!;
        if (x.Rank != expected.Length || !x.Shape[1..].SequenceEqual(expected.AsSpan(1)))
            throw new StrataException($"Input of shape {ShapeOps.Format(x.Shape)} does not fit model '{Name}', which expects {ShapeOps.Format(expected)}.");
    }

    private void RequireCompiled()
    {
        if (Optimizer is null || Loss is null)
            throw new StrataException($"Model '{Name}' must be compiled before training or evaluation: call Compile(optimizer, loss).");
    }

    private void CheckRows(Tensor x, Tensor y, string what)
    {
        if (x.Rank == 0 || y.Rank == 0 || x.Dim(0) != y.Dim(0))
            throw new StrataException($"The {what} inputs and targets must have the same number of rows; got {ShapeOps.Format(x.Shape)} and {ShapeOps.Format(y.Shape)}.");
        if (x.Dim(0) == 0) throw new StrataException($"The {what} data has no rows.");
        if (OutputShape is not null && Loss is not null && !Loss.SparseTargets && y.Size / y.Dim(0) != OutputShape[^1])
            throw new StrataException($"The {what} targets have {y.Size / y.Dim(0)} columns but the model outputs {OutputShape[^1]}.");
    }
}
