using System.Text.Json.Nodes;
using Strata.Models;

namespace Strata.Training.Callbacks;

/// <summary>
/// Writes the whole training state (<see cref="TrainingCheckpoint"/>) every <see cref="Every"/>
/// epochs and after the last one, so a killed run resumes from it and ends bit for bit where an
/// uninterrupted run would (as Keras's BackupAndRestore). An epoch whose logs are not finite is
/// not saved: the last good checkpoint stays. Must be the last callback of the fit, so the others'
/// states are those after the epoch.
/// </summary>
public sealed class TrainingStateCheckpoint : Callback
{
    private int _epochs;

    public TrainingStateCheckpoint(string path, int every = 1, JsonObject? info = null)
    {
        if (every < 1) throw new StrataException($"Expected a positive checkpoint interval. Received: every={every}");
        Path = path;
        Every = every;
        Info = info;
    }

    public string Path { get; }

    public int Every { get; }

    /// <summary>Stored beside the state (the spec it was trained from).</summary>
    public JsonObject? Info { get; }

    /// <summary>Epochs finished at the last write, or null before any.</summary>
    public int? LastSavedEpoch { get; private set; }

    public override void OnEpochBegin(int epoch, int epochs) => _epochs = epochs;

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (!logs.Values.All(double.IsFinite)) return;
        int done = epoch + 1;
        if (done % Every != 0 && done != _epochs && !Model!.StopTraining) return;
        // Written at once from the model's own arrays: no copy of the weights and optimizer state each epoch.
        TrainingCheckpoint.Save(Model!, Model!.CaptureTrainingState(done, copy: false), Path, Info);
        LastSavedEpoch = done;
    }
}
