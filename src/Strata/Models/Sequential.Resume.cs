using System.Text.Json.Nodes;
using Strata.Training;
using Strata.Training.Callbacks;

namespace Strata.Models;

/// <summary>
/// Everything a fit needs to continue exactly where it was after <see cref="Epoch"/> epochs: the
/// variables, the optimizer's step count, learning rate and state buffers, the shuffling
/// generator and the row order it permutes, each dropout stream's position, the history so far, each
/// callback's state, and whether a callback had stopped the fit.
/// </summary>
public sealed record TrainingState(
    int Epoch,
    bool Stopped,
    float[][] Weights,
    long Iterations,
    double LearningRate,
    Dictionary<string, float[][]> OptimizerSlots,
    ulong[] Shuffle,
    int[] Order,
    (ulong Seed, ulong Step)[] Streams,
    History History,
    JsonObject?[] Callbacks);

public sealed partial class Sequential
{
    private int[]? _order;
    private History? _history;
    private List<Callback>? _fitCallbacks;
    private volatile bool _interruptRequested;

    /// <summary>Asks a running <see cref="Fit"/> to stop after the current batch, without recording the unfinished epoch (Ctrl-C).</summary>
    public void RequestInterrupt() => _interruptRequested = true;

    /// <summary>Whether the last fit ended on <see cref="RequestInterrupt"/>.</summary>
    public bool WasInterrupted { get; private set; }

    /// <summary>The state of the fit in progress after <paramref name="epochs"/> finished epochs; callbacks call it from OnEpochEnd.</summary>
    public TrainingState CaptureTrainingState(int epochs) => CaptureTrainingState(epochs, copy: true);

    /// <summary>
    /// With <paramref name="copy"/> false, the weights and optimizer buffers in the state are the
    /// model's own arrays, good only until training goes on: enough to write a checkpoint, which then
    /// costs no copy of a large model every epoch.
    /// </summary>
    internal TrainingState CaptureTrainingState(int epochs, bool copy)
    {
        if (_order is null || _history is null || _fitCallbacks is null || _shuffleRandom is null)
            throw new StrataException("There is no fit in progress whose state could be captured.");
        var variables = Variables.ToList();
        return new TrainingState(epochs, StopTraining, copy ? GetWeights() : variables.Select(v => v.Value.Data).ToArray(), Optimizer!.Iterations, Optimizer.LearningRate,
            Optimizer.GetSlots(variables, copy), _shuffleRandom.GetState(), (int[])_order.Clone(),
            _layers.SelectMany(l => l.RandomStreams).Select(s => (s.Seed, s.Step)).ToArray(),
            _history.Clone(),
            _fitCallbacks.Select(c => c.GetState() is { } state ? new JsonObject { ["type"] = c.GetType().Name, ["state"] = state } : null).ToArray());
    }

    /// <summary>
    /// Gives each callback its saved state, matched by class and order among callbacks of that class,
    /// so stateless ones (progress output) may differ between the two runs.
    /// </summary>
    private static void RestoreCallbackStates(IReadOnlyList<Callback> callbacks, IReadOnlyList<JsonObject?> saved)
    {
        var remaining = saved.OfType<JsonObject>().ToList();
        foreach (var callback in callbacks)
        {
            if (callback.GetState() is null) continue;
            string type = callback.GetType().Name;
            var match = remaining.FirstOrDefault(s => s["type"]?.GetValue<string>() == type)
                ?? throw new StrataException($"The saved training state has no state for the {type} callback; resume with the callbacks the run started with.");
            remaining.Remove(match);
            callback.SetState(match["state"] as JsonObject ?? throw new StrataException($"The saved state of the {type} callback is not an object."));
        }
        if (remaining.Count > 0)
            throw new StrataException($"The saved training state has states for callbacks this fit does not have: {string.Join(", ", remaining.Select(s => s["type"]))}.");
    }

    /// <summary>Puts the variables, optimizer and random streams where <paramref name="state"/> left them.</summary>
    private void RestoreTrainingState(TrainingState state, int rows)
    {
        if (state.Order.Length != rows || state.Order.Order().Where((v, i) => v != i).Any())
            throw new StrataException($"The saved training state shuffles {state.Order.Length} rows, but the training data has {rows}.");
        var streams = _layers.SelectMany(l => l.RandomStreams).ToList();
        if (state.Streams.Length != streams.Count)
            throw new StrataException($"The saved training state has {state.Streams.Length} random streams; the model has {streams.Count}.");
        SetWeights(state.Weights);
        for (int i = 0; i < streams.Count; i++) (streams[i].Seed, streams[i].Step) = state.Streams[i];
        Optimizer!.Iterations = state.Iterations;
        Optimizer.LearningRate = state.LearningRate;
        Optimizer.SetSlots(Variables, state.OptimizerSlots);
        _shuffleRandom!.SetState(state.Shuffle);
    }
}
