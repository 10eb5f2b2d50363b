using Strata.Models;

namespace Strata.Training.Callbacks;

/// <summary>Hooks into <see cref="Sequential.Fit"/>, as Keras callbacks. Epochs are numbered from 0 here, as in Keras.</summary>
public abstract class Callback
{
    /// <summary>The model being trained; set before <see cref="OnTrainBegin"/>.</summary>
    public Sequential? Model { get; internal set; }

    public virtual void OnTrainBegin() { }

    public virtual void OnTrainEnd() { }

    public virtual void OnEpochBegin(int epoch, int epochs) { }

    /// <summary>After each training batch, with the batch's loss and the epoch's running mean loss.</summary>
    public virtual void OnBatchEnd(int batch, int batches, double batchLoss, double meanLoss) { }

    /// <summary>After validation; <paramref name="logs"/> holds loss, metrics, val_loss and val_ metrics.</summary>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) { }
}
