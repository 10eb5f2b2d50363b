namespace Strata.Training.Callbacks;

/// <summary>
/// Multiplies the learning rate by <c>factor</c> (never below <c>min_lr</c>) when the monitored
/// quantity has not improved by more than <c>min_delta</c> for <c>patience</c> epochs. After a cut,
/// the <c>cooldown</c> counter runs down one per epoch and epochs do not count towards patience while
/// it is above zero; as in Keras, the epoch in which it reaches zero already counts (cooldown 1 then
/// behaves as 0). Keras defaults: monitor val_loss, factor 0.1, patience 10, min_delta 1e-4, cooldown 0, min_lr 0.
/// </summary>
public sealed class ReduceLROnPlateau : Callback
{
    private double _best;
    private int _wait, _cooldownCounter;
    private readonly bool _maximize;

    /// <summary>
    /// Keras's ReduceLROnPlateau. <paramref name="mode"/> "auto" maximizes a monitor named like accuracy, acc or
    /// auc and minimizes any other; <paramref name="factor"/> must be in [0, 1).
    /// </summary>
    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, string mode = "auto",
        double minDelta = 1e-4, int cooldown = 0, double minLearningRate = 0)
    {
        if (!(factor < 1 && factor >= 0))
            throw new StrataException($"ReduceLROnPlateau does not support a factor >= 1.0. Received: factor={factor}");
        Monitor = monitor;
        Factor = factor;
        Patience = patience;
        MinDelta = minDelta;
        Cooldown = cooldown;
        MinLearningRate = minLearningRate;
        _maximize = MonitorMode.Maximize(mode, monitor);
    }

    /// <summary>The logged quantity watched, e.g. "val_loss" (Keras's monitor).</summary>
    public string Monitor { get; }

    /// <summary>What the learning rate is multiplied by at each cut (Keras's factor), in [0, 1).</summary>
    public double Factor { get; }

    /// <summary>Epochs without improvement before the learning rate is cut (Keras's patience).</summary>
    public int Patience { get; }

    /// <summary>How much the monitored value must improve by to count (Keras's min_delta).</summary>
    public double MinDelta { get; }

    /// <summary>Epochs after a cut during which patience is not counted (Keras's cooldown).</summary>
    public int Cooldown { get; }

    /// <summary>The learning rate is never cut below this (Keras's min_lr).</summary>
    public double MinLearningRate { get; }

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        _best = _maximize ? double.NegativeInfinity : double.PositiveInfinity;
        _wait = 0;
        _cooldownCounter = 0;
    }

    /// <inheritdoc/>
    public override System.Text.Json.Nodes.JsonObject GetState() =>
        new() { ["best"] = Number(_best), ["wait"] = _wait, ["cooldown_counter"] = _cooldownCounter };

    /// <inheritdoc/>
    public override void SetState(System.Text.Json.Nodes.JsonObject state)
    {
        _best = Number(state["best"], "best");
        _wait = Integer(state["wait"], "wait");
        _cooldownCounter = Integer(state["cooldown_counter"], "cooldown_counter");
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        double current = MonitorMode.Read(logs, Monitor, "ReduceLROnPlateau");
        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            _wait = 0;
        }
        bool improved = _maximize ? current > _best + MinDelta : current < _best - MinDelta;
        if (improved)
        {
            _best = current;
            _wait = 0;
        }
        // As Keras, the cooldown is checked after this epoch's decrement: the epoch that ends it already counts towards patience.
        else if (_cooldownCounter == 0)
        {
            _wait++;
            if (_wait >= Patience)
            {
                var optimizer = Model!.Optimizer!;
                if (optimizer.LearningRate > MinLearningRate)
                {
                    optimizer.LearningRate = Math.Max(optimizer.LearningRate * Factor, MinLearningRate);
                    _cooldownCounter = Cooldown;
                    _wait = 0;
                }
            }
        }
    }
}
