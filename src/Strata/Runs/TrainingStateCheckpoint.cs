using System.Text.Json.Nodes;
using Strata.Models;
using Strata.Training.Callbacks;
using Strata.Formats;

namespace Strata.Runs;

/// <summary>
/// Writes the whole training state (<see cref="TrainingCheckpoint"/>) every <see cref="Every"/>
/// epochs and after the last one, so a killed run resumes from it and ends bit for bit where an
/// uninterrupted run would (as Keras's BackupAndRestore). An epoch whose logs are not finite is
/// not saved: the last good checkpoint stays. Must be the last callback of the fit, so the others'
/// states are those after the epoch. Each checkpoint is flushed to disk and renamed into place
/// while the next epoch trains; the fit returns once the last one is in place.
/// </summary>
public sealed class TrainingStateCheckpoint : Callback
{
    private int _epochs;
    private Task? _syncing;
    private int _syncingEpoch;

    /// <summary>
    /// A checkpoint written to <paramref name="path"/> every <paramref name="every"/> epochs (at least 1), with
    /// <paramref name="info"/> stored beside the state.
    /// </summary>
    public TrainingStateCheckpoint(string path, int every = 1, JsonObject? info = null)
    {
        if (every < 1) throw new StrataException($"Expected a positive checkpoint interval. Received: every={every}");
        Path = path;
        Every = every;
        Info = info;
    }

    /// <summary>The checkpoint file, replaced at each write.</summary>
    public string Path { get; }

    /// <summary>The interval in epochs; the last epoch, and one at which training stops early, are saved whatever it is.</summary>
    public int Every { get; }

    /// <summary>Stored beside the state (the spec it was trained from).</summary>
    public JsonObject? Info { get; }

    /// <summary>Epochs finished at the last write that is on disk, or null before any; whole after the fit.</summary>
    public int? LastSavedEpoch { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin() => Settle();

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, int epochs) => _epochs = epochs;

    /// <summary>The last checkpoint is on disk and in place when the fit returns.</summary>
    public override void OnTrainEnd() => Settle();

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (!logs.Values.All(double.IsFinite)) return;
        int done = epoch + 1;
        if (done % Every != 0 && done != _epochs && !Fit!.StopTraining) return;
        // The previous checkpoint is in place before the next one takes its temporary file.
        Settle();
        // Written at once from the model's own arrays, with no copy of the weights and optimizer
        // state; the flush to disk and the rename run while the next epoch trains.
        _syncing = TrainingCheckpoint.SaveSyncingInBackground(Model!, Fit!.CaptureTrainingState(done, copy: false), Path, Info);
        _syncingEpoch = done;
    }

    /// <summary>Waits for the checkpoint being flushed, if any; a failure to write it is thrown here.</summary>
    private void Settle()
    {
        if (_syncing is not { } syncing) return;
        _syncing = null;
        syncing.GetAwaiter().GetResult();
        LastSavedEpoch = _syncingEpoch;
    }
}
