namespace Strata.Training.Callbacks;

/// <summary>
/// Stops training when the monitored quantity has not improved by more than <c>min_delta</c> for
/// <c>patience</c> epochs; with <c>restore_best_weights</c> the best epoch's weights are put back
/// at the end of training. Keras defaults: monitor val_loss, min_delta 0, patience 0.
/// </summary>
public sealed class EarlyStopping : Callback
{
    private double _best;
    private int _wait;
    private float[][]? _bestWeights;
    private readonly bool _maximize;

    /// <summary>
    /// Keras's EarlyStopping. <paramref name="mode"/> "auto" maximizes a monitor named like accuracy, acc or auc
    /// and minimizes any other; "min" and "max" say it outright.
    /// </summary>
    public EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, string mode = "auto",
        bool restoreBestWeights = false, int startFromEpoch = 0)
    {
        if (patience < 0) throw new StrataException($"Expected a non-negative patience. Received: patience={patience}");
        Monitor = monitor;
        MinDelta = Math.Abs(minDelta);
        Patience = patience;
        RestoreBestWeights = restoreBestWeights;
        StartFromEpoch = startFromEpoch;
        _maximize = MonitorMode.Maximize(mode, monitor);
    }

    /// <summary>The logged quantity watched, e.g. "val_loss" (Keras's monitor).</summary>
    public string Monitor { get; }

    /// <summary>The smallest change that counts as an improvement, taken as its absolute value (Keras's min_delta).</summary>
    public double MinDelta { get; }

    /// <summary>
    /// Epochs without improvement before training stops (Keras's patience); 0 stops at the first epoch that does
    /// not improve.
    /// </summary>
    public int Patience { get; }

    /// <summary>Whether the weights of the best epoch are put back when training ends (Keras's restore_best_weights).</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>Epochs (from 0) before this one are not watched, a warm-up (Keras's start_from_epoch).</summary>
    public int StartFromEpoch { get; }

    /// <summary>The epoch (from 0) at which training was stopped, or -1.</summary>
    public int StoppedEpoch { get; private set; } = -1;

    /// <summary>The epoch (from 0) with the best monitored value.</summary>
    public int BestEpoch { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        _best = _maximize ? double.NegativeInfinity : double.PositiveInfinity;
        _wait = 0;
        _bestWeights = null;
        StoppedEpoch = -1;
        BestEpoch = 0;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (epoch < StartFromEpoch) return;
        double current = MonitorMode.Read(logs, Monitor, "EarlyStopping");
        if (RestoreBestWeights && _bestWeights is null) _bestWeights = Model!.GetWeights();
        _wait++;
        bool improved = _maximize ? current - MinDelta > _best : current + MinDelta < _best;
        if (improved)
        {
            _best = current;
            BestEpoch = epoch;
            if (RestoreBestWeights) _bestWeights = Model!.GetWeights();
            _wait = 0;
            return;
        }
        if (_wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            Fit!.StopTraining = true;
        }
    }

    /// <inheritdoc/>
    public override System.Text.Json.Nodes.JsonObject GetState() => new()
    {
        ["best"] = Number(_best),
        ["wait"] = _wait,
        ["best_epoch"] = BestEpoch,
        ["stopped_epoch"] = StoppedEpoch,
        ["best_weights"] = _bestWeights is null ? null
            : new System.Text.Json.Nodes.JsonArray(_bestWeights.Select(w => (System.Text.Json.Nodes.JsonNode)Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(w.AsSpan()))).ToArray()),
    };

    /// <inheritdoc/>
    public override void SetState(System.Text.Json.Nodes.JsonObject state)
    {
        _best = Number(state["best"], "best");
        _wait = Integer(state["wait"], "wait");
        BestEpoch = Integer(state["best_epoch"], "best_epoch");
        StoppedEpoch = Integer(state["stopped_epoch"], "stopped_epoch");
        _bestWeights = state["best_weights"] is System.Text.Json.Nodes.JsonArray weights
            ? weights.Select(w => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(w!.GetValue<string>())).ToArray()).ToArray()
            : null;
    }

    /// <inheritdoc/>
    public override void OnTrainEnd()
    {
        if (RestoreBestWeights && _bestWeights is not null) Model!.SetWeights(_bestWeights);
    }
}
