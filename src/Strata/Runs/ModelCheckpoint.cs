using System.Globalization;
using Strata.Training.Callbacks;
using Strata.Formats;

namespace Strata.Runs;

/// <summary>
/// Saves the model after every epoch, or with <c>save_best_only</c> only when the monitored
/// quantity improves. "{epoch}" in the path is replaced by the epoch number (from 1, as Keras).
/// </summary>
public sealed class ModelCheckpoint : Callback
{
    private double _best;
    private readonly bool _maximize;

    /// <summary>
    /// Keras's ModelCheckpoint, saving whole models (.strata) to <paramref name="filePath"/>.
    /// <paramref name="mode"/> "auto" maximizes a monitor named like accuracy, acc or auc and minimizes any other.
    /// </summary>
    public ModelCheckpoint(string filePath, string monitor = "val_loss", bool saveBestOnly = false, string mode = "auto")
    {
        if (string.IsNullOrWhiteSpace(filePath)) throw new StrataException("ModelCheckpoint needs a file path.");
        FilePath = filePath;
        Monitor = monitor;
        SaveBestOnly = saveBestOnly;
        _maximize = MonitorMode.Maximize(mode, monitor);
    }

    /// <summary>The path saved to; "{epoch}" in it becomes the epoch number from 1 (Keras's filepath).</summary>
    public string FilePath { get; }

    /// <summary>The logged quantity compared with <see cref="SaveBestOnly"/>, e.g. "val_loss" (Keras's monitor).</summary>
    public string Monitor { get; }

    /// <summary>
    /// Whether to save only when <see cref="Monitor"/> beats every earlier epoch (Keras's save_best_only);
    /// otherwise every epoch is saved.
    /// </summary>
    public bool SaveBestOnly { get; }

    /// <summary>The path last written, if any.</summary>
    public string? LastSaved { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin() => _best = _maximize ? double.NegativeInfinity : double.PositiveInfinity;

    /// <inheritdoc/>
    public override System.Text.Json.Nodes.JsonObject GetState() => new() { ["best"] = Number(_best) };

    /// <inheritdoc/>
    public override void SetState(System.Text.Json.Nodes.JsonObject state) => _best = Number(state["best"], "best");

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (SaveBestOnly)
        {
            double current = MonitorMode.Read(logs, Monitor, "ModelCheckpoint");
            bool improved = _maximize ? current > _best : current < _best;
            if (!improved) return;
            _best = current;
        }
        string path = FilePath.Replace("{epoch}", (epoch + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Model!.Save(path);
        LastSaved = path;
    }
}
