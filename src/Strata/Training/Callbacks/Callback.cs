using Strata.Models;

namespace Strata.Training.Callbacks;

/// <summary>Hooks into a fit (<see cref="Sequential.Fit"/>, <see cref="FitLoop"/>), as Keras callbacks. Epochs are numbered from 0 here, as in Keras.</summary>
public abstract class Callback
{
    /// <summary>The model being trained; set before <see cref="OnTrainBegin"/>.</summary>
    public Sequential? Model { get; internal set; }

    /// <summary>
    /// The fit running the callback, set with <see cref="Model"/>: its <see cref="FitLoop.StopTraining"/>
    /// (Keras's <c>model.stop_training</c>), <see cref="FitLoop.RequestInterrupt"/> and
    /// <see cref="FitLoop.CaptureTrainingState(int)"/>.
    /// </summary>
    public FitLoop? Fit { get; internal set; }

    /// <summary>Before the first epoch, after <see cref="Model"/> and <see cref="Fit"/> are set (Keras's on_train_begin).</summary>
    public virtual void OnTrainBegin() { }

    /// <summary>After the last epoch, including when the fit stops early or is interrupted (Keras's on_train_end).</summary>
    public virtual void OnTrainEnd() { }

    /// <summary>Before epoch <paramref name="epoch"/> (from 0) of <paramref name="epochs"/>.</summary>
    public virtual void OnEpochBegin(int epoch, int epochs) { }

    /// <summary>After each training batch, with the batch's loss and the epoch's running mean loss.</summary>
    public virtual void OnBatchEnd(int batch, int batches, double batchLoss, double meanLoss) { }

    /// <summary>After validation; <paramref name="logs"/> holds loss, metrics, val_loss and val_ metrics.</summary>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) { }

    /// <summary>What the callback has learnt so far (counters, best values), so a resumed fit continues exactly; null when stateless.</summary>
    public virtual System.Text.Json.Nodes.JsonObject? GetState() => null;

    /// <summary>Restores a <see cref="GetState"/> result; called after <see cref="OnTrainBegin"/> when a fit resumes.</summary>
    public virtual void SetState(System.Text.Json.Nodes.JsonObject state) { }

    /// <summary>A double as JSON keeps infinities (the initial "best") as text, in round-trip precision.</summary>
    protected static string Number(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads back a double written by <see cref="Number(double)"/>; throws naming <paramref name="key"/> when it
    /// is missing or not a number.
    /// </summary>
    protected static double Number(System.Text.Json.Nodes.JsonNode? node, string key) =>
        node is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out string? text) && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d)
            ? d : throw new StrataException($"The saved callback state has no valid '{key}'.");

    /// <summary>Reads an integer from a saved state; throws naming <paramref name="key"/> when it is missing or not an integer.</summary>
    protected static int Integer(System.Text.Json.Nodes.JsonNode? node, string key) =>
        node is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out int i) ? i : throw new StrataException($"The saved state has no valid '{key}'.");
}
