using Strata.Tensors;

namespace Strata.Training.Metrics;

/// <summary>A streaming metric: a running total over the batches of an epoch, weighted by samples.</summary>
public abstract class Metric
{
    private double _total;
    private long _count;

    /// <summary>A metric logged under <paramref name="name"/>.</summary>
    protected Metric(string name) => Name = name;

    /// <summary>The key under which the metric appears in logs and history ("mae", "val_mae").</summary>
    public string Name { get; }

    /// <summary>Clears the running total; a fit does so at the start of every epoch (Keras's reset_state).</summary>
    public void Reset()
    {
        _total = 0;
        _count = 0;
    }

    /// <summary>Gives every rank the running total and count of all of them, added in rank order.</summary>
    internal void Merge(Distributed.ICommunicator communicator)
    {
        if (communicator.Size == 1) return;
        var all = new double[2 * communicator.Size];
        communicator.AllGather([_total, _count], all);
        (_total, _count) = (0, 0);
        for (int r = 0; r < communicator.Size; r++)
        {
            _total += all[2 * r];
            _count += (long)all[2 * r + 1];
        }
    }

    /// <summary>Adds the first <paramref name="rows"/> samples of a batch.</summary>
    public void Update(Tensor predictions, Tensor targets, int rows)
    {
        int predictionWidth = predictions.Size / predictions.Dim(0);
        int targetWidth = targets.Size / targets.Dim(0);
        for (int r = 0; r < rows; r++)
        {
            _total += Score(predictions.Data.AsSpan(r * predictionWidth, predictionWidth), targets.Data.AsSpan(r * targetWidth, targetWidth));
            _count++;
        }
    }

    /// <summary>The mean per-sample score since the last <see cref="Reset"/> (Keras's result()); NaN before any sample.</summary>
    public double Result => _count == 0 ? double.NaN : _total / _count;

    /// <summary>The metric's value for one sample.</summary>
    protected abstract double Score(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target);
}
