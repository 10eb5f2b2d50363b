using System.Globalization;

namespace Strata.Training.Callbacks;

/// <summary>
/// Saves the model after every epoch, or with <c>save_best_only</c> only when the monitored
/// quantity improves. "{epoch}" in the path is replaced by the epoch number (from 1, as Keras).
/// </summary>
public sealed class ModelCheckpoint : Callback
{
    private double _best;
    private readonly bool _maximize;

    public ModelCheckpoint(string filePath, string monitor = "val_loss", bool saveBestOnly = false, string mode = "auto")
    {
        if (string.IsNullOrWhiteSpace(filePath)) throw new StrataException("ModelCheckpoint needs a file path.");
        FilePath = filePath;
        Monitor = monitor;
        SaveBestOnly = saveBestOnly;
        _maximize = MonitorMode.Maximize(mode, monitor);
    }

    public string FilePath { get; }

    public string Monitor { get; }

    public bool SaveBestOnly { get; }

    /// <summary>The path last written, if any.</summary>
    public string? LastSaved { get; private set; }

    public override void OnTrainBegin() => _best = _maximize ? double.NegativeInfinity : double.PositiveInfinity;

    public override System.Text.Json.Nodes.JsonObject GetState() => new() { ["best"] = Number(_best) };

    public override void SetState(System.Text.Json.Nodes.JsonObject state) => _best = Number(state["best"], "best");

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
