using Strata.Layers;
using Strata.Tensors;
using Strata.Training;
using Strata.Training.Callbacks;

namespace Strata.Models;

public sealed partial class Sequential
{
    /// <summary>
    /// Trains the model, as Keras's fit, by running a <see cref="FitLoop"/>, which holds the fit's own
    /// state (shuffling, callbacks, history, stop and interrupt requests) so the model keeps none of it.
    /// </summary>
    /// <param name="x">The inputs, one row per sample.</param>
    /// <param name="y">The targets, one row per sample.</param>
    /// <param name="batchSize">Rows per training step.</param>
    /// <param name="epochs">The epoch count to train to.</param>
    /// <param name="validationData">Rows evaluated after each epoch, giving the val_ logs.</param>
    /// <param name="validationSplit">Instead of <paramref name="validationData"/>: the last fraction of the rows, taken before shuffling (as Keras).</param>
    /// <param name="shuffle">Whether each epoch draws the rows in a new order.</param>
    /// <param name="seed">
    /// Seeds the shuffling; by default the model's seed, mixed with the optimizer's step count once the
    /// model has trained, so a later fit does not repeat the first one's orders.
    /// </param>
    /// <param name="callbacks">Called as Keras's callbacks are; they reach the fit through <see cref="Callback.Fit"/>.</param>
    /// <param name="resume">
    /// A state from <see cref="FitLoop.CaptureTrainingState(int)"/> (or a checkpoint), with the same data
    /// and callbacks: the fit continues after its epoch and ends exactly as an uninterrupted fit would.
    /// </param>
    /// <param name="cancellationToken">
    /// Stops the fit after the current batch, as Ctrl-C does: no exception, the unfinished epoch not
    /// recorded, <see cref="History.Interrupted"/> set on the returned history.
    /// </param>
    /// <param name="communicator">
    /// The ranks training this model together, each calling Fit with the same model, data and arguments:
    /// each batch is split into contiguous row blocks, one per rank, and the gradients summed over the ranks
    /// before every rank takes the same step. One process when not given.
    /// </param>
    /// <returns>The loss and metrics of each finished epoch.</returns>
    public History Fit(Tensor x, Tensor y, int batchSize = 32, int epochs = 1,
        (Tensor X, Tensor Y)? validationData = null, double validationSplit = 0, bool shuffle = true,
        int? seed = null, IEnumerable<Callback>? callbacks = null, TrainingState? resume = null,
        CancellationToken cancellationToken = default, Distributed.ICommunicator? communicator = null) =>
        new FitLoop(this, x, y, batchSize, epochs, validationData, validationSplit, shuffle, seed, callbacks, resume, communicator).Run(cancellationToken);

    /// <summary>
    /// The loss and metrics over (x, y) in inference mode, averaged over samples. With a <paramref name="communicator"/>
    /// of several ranks (every rank calls it with the same data), each rank evaluates a block of the rows and every
    /// rank returns the whole set's figures.
    /// </summary>
    public Dictionary<string, double> Evaluate(Tensor x, Tensor y, int batchSize = 32, Distributed.ICommunicator? communicator = null)
    {
        RequireCompiled();
        CheckRows(x, y, "evaluation");
        EnsureBuilt(x);
        var metrics = CreateMetrics();
        int n = x.Dim(0);
        communicator ??= Distributed.Communicators.Single;
        // Fewer rows than ranks: every rank evaluates them all.
        bool shared = communicator.Size > 1 && n >= communicator.Size;
        var (first, rows) = shared ? FitDistribution.Share(n, communicator) : (0, n);
        batchSize = ForwardRows(batchSize, targets: true);
        double lossSum = 0;
        for (int start = first; start < first + rows; start += batchSize)
        {
            int count = Math.Min(batchSize, first + rows - start);
            var step = GetStep(count, CallMode.Inference, targets: true);
            CopyRows(x, start, count, step.Input.Value);
            CopyRows(y, start, count, step.Targets!.Value);
            lossSum += step.Run() * count;
            foreach (var m in metrics) m.Update(step.Output.Value, step.Targets.Value, count);
        }
        if (shared)
        {
            var sums = new double[communicator.Size];
            communicator.AllGather([lossSum], sums);
            lossSum = 0;
            foreach (double part in sums) lossSum += part;
            foreach (var m in metrics) m.Merge(communicator);
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
        batchSize = ForwardRows(batchSize, targets: false);
        int[] shape = [.. OutputShape!];
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

    /// <summary>Values a prediction or evaluation graph may hold before its rows are split: 16 M floats, 64 MB.</summary>
    internal const long ForwardGraphValues = 16L << 20;

    /// <summary>
    /// How many rows a prediction or evaluation graph takes at once: the caller's batch size, unless the
    /// graph's values for that many rows would pass <see cref="ForwardGraphValues"/>. Each row's outputs
    /// are the same whatever rows share its graph (products sum in a fixed order, inference normalizes with
    /// moving statistics), so only memory changes; an evaluation's mean loss is summed over smaller parts.
    /// </summary>
    private int ForwardRows(int batchSize, bool targets)
    {
        var one = GetStep(1, CallMode.Inference, targets);
        long perRow = 0;
        foreach (var node in one.Graph.Nodes)
            if (node is not Autodiff.ParameterNode) perRow += node.Value.Size;
        return (int)Math.Max(1, Math.Min(batchSize, ForwardGraphValues / Math.Max(1, perRow)));
    }

    /// <summary>
    /// Whether training takes its sums over each batch's rows in fixed point (Dense's kernel and bias gradients,
    /// BatchNormalization's statistics and gradient sums): every term is rounded to a multiple of a unit set by the
    /// batch's largest term and the multiples are added as integers, so the sums have the same bits however the
    /// rows are split. A batch shared by ranks (with synchronized BatchNormalization) then trains, bit for bit, the
    /// model one process trains with this setting. Slower; off by default. Gradients of parameters read by other
    /// layers or by a penalty as well are summed as usual.
    /// </summary>
    public bool ReproducibleSums
    {
        get => _reproducibleSums;
        set
        {
            if (value == _reproducibleSums) return;
            _reproducibleSums = value;
            foreach (var key in _steps.Keys.Where(k => k.Mode.IsTraining).ToList()) _steps.Remove(key);
        }
    }

    private bool _reproducibleSums;

    /// <summary>Whether graphs fuse a BatchNormalization and the relu Activation after it into one node (the same bits either way).</summary>
    internal bool FusesLayers { get; set; } = true;

    /// <summary>The row counts of the graphs compiled so far, for any mode.</summary>
    internal IEnumerable<int> CompiledRowCounts => _steps.Keys.Select(k => k.Batch);

    /// <summary>The compiled graph for a batch size and mode, built on first use and kept until the layers or compile settings change.</summary>
    // A change of Trainable anywhere in the model (a Residual's branch, a single variable) gets new graphs.
    internal CompiledStep GetStep(int batch, CallMode mode, bool targets)
    {
        var key = (batch, mode, targets, _trainability.Check(_layers));
        if (_steps.TryGetValue(key, out var step)) return step;

        var graph = new Autodiff.Graph { CollectsLosses = targets, ForwardOnly = !mode.IsTraining, SharesGradients = mode.IsTraining,
            ReproducibleSums = mode.IsTraining && _reproducibleSums };
        var inputShape = (int[])_inputShape!.Clone();
        inputShape[0] = batch;
        var input = graph.Input(inputShape);
        Autodiff.Node h = input;
        var masks = new MaskFlow();
        for (int i = 0; i < _layers.Count; i++)
        {
            h = masks.Call(_layers[i], h, mode);
            // BatchNormalization then a relu: one node writes the relu's output, a pass over memory and a buffer less.
            if (FusesLayers && masks.Mask is null && i + 1 < _layers.Count && _layers[i] is Layers.Normalization.BatchNormalization
                && _layers[i + 1] is Layers.Core.Activation { Function: ActivationFunction.Relu } && h is Autodiff.BatchNormNode bn && bn.FuseRelu())
                i++;
        }
        Autodiff.InputNode? target = null;
        Autodiff.Node? loss = null;
        if (targets)
        {
            target = graph.Input(Loss!.TargetShape(h.Value.ShapeArray()));
            loss = Loss.Compute(h, target);
            // A mean over the batch's rows is taken over the whole batch when ranks share it, so every row's gradient
            // has the bits of one process; penalties then count by each rank's share of the rows.
            bool global = mode.IsTraining && loss is Autodiff.ReduceNode { IsWholeMean: true } && loss.Inputs[0].Shape[0] == batch;
            if (global) graph.MeansOverGlobalBatch = loss;
            // Regularization penalties count in the loss, as in Keras.
            foreach (var penalty in graph.Losses.ToList())
                loss = Autodiff.Ops.Add(loss, global ? new Autodiff.LossShareNode(penalty) : penalty);
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

    /// <summary>Builds the model for x's shape when it has no weights yet, and checks that x fits it.</summary>
    internal void EnsureBuilt(Tensor x)
    {
        if (!IsBuilt)
        {
            Build(_inputShape ?? x.ShapeArray());
        }
        var expected = _inputShape!;
        if (x.Rank != expected.Length || !x.Shape[1..].SequenceEqual(expected.AsSpan(1)))
            throw new StrataException($"Input of shape {ShapeOps.Format(x.Shape)} does not fit model '{Name}', which expects {ShapeOps.Format(expected)}.");
    }

    internal void RequireCompiled()
    {
        if (Optimizer is null || Loss is null)
            throw new StrataException($"Model '{Name}' must be compiled before training or evaluation: call Compile(optimizer, loss).");
    }

    /// <summary>Checks that inputs and targets have the same, non-zero number of rows and that the targets fit the output.</summary>
    internal void CheckRows(Tensor x, Tensor y, string what)
    {
        if (x.Rank == 0 || y.Rank == 0 || x.Dim(0) != y.Dim(0))
            throw new StrataException($"The {what} inputs and targets must have the same number of rows; got {ShapeOps.Format(x.Shape)} and {ShapeOps.Format(y.Shape)}.");
        if (x.Dim(0) == 0) throw new StrataException($"The {what} data has no rows.");
        if (OutputShape is not null && Loss is not null && !Loss.SparseTargets && y.Size / y.Dim(0) != OutputShape[^1])
            throw new StrataException($"The {what} targets have {y.Size / y.Dim(0)} columns but the model outputs {OutputShape[^1]}.");
    }
}
