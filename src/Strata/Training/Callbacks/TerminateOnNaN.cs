namespace Strata.Training.Callbacks;

/// <summary>Stops training as soon as a batch loss is NaN or infinite, naming the epoch and batch.</summary>
public sealed class TerminateOnNaN : Callback
{
    private int _epoch;

    /// <summary>Where the loss diverged ("epoch 3, batch 2"), or null.</summary>
    public string? StoppedAt { get; private set; }

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, int epochs) => _epoch = epoch;

    /// <inheritdoc/>
    public override void OnBatchEnd(int batch, int batches, double batchLoss, double meanLoss)
    {
        if (double.IsFinite(batchLoss) || StoppedAt is not null) return;
        StoppedAt = $"epoch {_epoch + 1}, batch {batch + 1}";
        Fit!.StopTraining = true;
    }
}
