using System.Text.Json.Nodes;
using Strata.Models;
using Strata.Training.Callbacks;

namespace Strata.Training;

public sealed partial class FitLoop
{
    /// <summary>
    /// The state of this fit after <paramref name="epochs"/> finished epochs, with copies of the
    /// weights and optimizer buffers; callbacks call it from OnEpochEnd. Valid only while the fit runs.
    /// </summary>
    public TrainingState CaptureTrainingState(int epochs) => CaptureTrainingState(epochs, copy: true);

    /// <summary>
    /// With <paramref name="copy"/> false, the weights and optimizer buffers in the state are the
    /// model's own arrays, good only until training goes on: enough to write a checkpoint, which then
    /// costs no copy of a large model every epoch.
    /// </summary>
    internal TrainingState CaptureTrainingState(int epochs, bool copy)
    {
        if (!_running) throw new StrataException("There is no fit in progress whose state could be captured.");
        var model = Model;
        var optimizer = model.Optimizer!;
        var variables = model.Variables.ToList();
        return new TrainingState(epochs, StopTraining, copy ? model.GetWeights() : variables.Select(v => v.Value.Data).ToArray(),
            optimizer.Iterations, optimizer.LearningRate, optimizer.GetSlots(variables, copy), _shuffleRandom.GetState(), (int[])_order.Clone(),
            model.Layers.SelectMany(l => l.RandomStreams).Select(s => (s.Seed, s.Step)).ToArray(),
            _history.Clone(),
            _callbacks.Select(c => c.GetState() is { } state ? new JsonObject { ["type"] = c.GetType().Name, ["state"] = state } : null).ToArray());
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

    /// <summary>Puts the variables, optimizer, random streams and shuffling generator where <paramref name="state"/> left them.</summary>
    private void RestoreTrainingState(TrainingState state, int rows)
    {
        if (state.Order.Length != rows || state.Order.Order().Where((v, i) => v != i).Any())
            throw new StrataException($"The saved training state shuffles {state.Order.Length} rows, but the training data has {rows}.");
        var model = Model;
        var streams = model.Layers.SelectMany(l => l.RandomStreams).ToList();
        if (state.Streams.Length != streams.Count)
            throw new StrataException($"The saved training state has {state.Streams.Length} random streams; the model has {streams.Count}.");
        model.SetWeights(state.Weights);
        for (int i = 0; i < streams.Count; i++) (streams[i].Seed, streams[i].Step) = state.Streams[i];
        var optimizer = model.Optimizer!;
        optimizer.Iterations = state.Iterations;
        optimizer.LearningRate = state.LearningRate;
        optimizer.SetSlots(model.Variables, state.OptimizerSlots);
        _shuffleRandom.SetState(state.Shuffle);
    }
}
