using Strata.Autodiff;
using Strata.Distributed;
using Strata.Models;

namespace Strata.Training;

/// <summary>
/// Data-parallel training: each global batch is split into contiguous row blocks, one per rank (the first
/// ranks take one row more when it does not divide evenly); each rank runs its rows, and the gradients
/// are summed over the ranks, each weighted by its share of the rows, before every rank takes the same
/// optimizer step. Random masks are drawn by global row, so rank r draws what one process would for those
/// rows. Moving statistics are averaged over the ranks (each BatchNormalization that is not synchronized
/// normalizes with its own rows, as in Keras and PyTorch).
/// </summary>
internal static class FitDistribution
{
    /// <summary>The first row and the row count of this rank's block of a batch of <paramref name="count"/> rows.</summary>
    public static (int Offset, int Rows) Share(int count, ICommunicator communicator)
    {
        int size = communicator.Size, rank = communicator.Rank;
        if (count < size)
            throw new StrataException($"A batch of {count} rows cannot be shared among {size} ranks; use a batch size (and a last batch) of at least {size} rows.");
        int rows = count / size, extra = count % size;
        return (rank * rows + Math.Min(rank, extra), rows + (rank < extra ? 1 : 0));
    }

    /// <summary>
    /// Tells a training graph which ranks it runs with, where its rows start in the batch and what share of the
    /// batch's rows it holds: its mean loss, scaled by that share, is its part of the batch's mean loss, so the
    /// gradients reaching a synchronized BatchNormalization are on the same scale on every rank.
    /// </summary>
    public static void Place(Graph graph, ICommunicator communicator, int offset, int rows, int count)
    {
        graph.Communicator = communicator;
        graph.RowOffset = offset;
        graph.LossScale = communicator.Size == 1 ? 1f : (float)rows / count;
    }

    /// <summary>
    /// Replaces each gradient (already scaled by this rank's share, see <see cref="Place"/>) by its sum over the
    /// ranks, and returns the batch's loss Σ_r (rows_r/count)·loss_r: the mean over the whole batch.
    /// </summary>
    public static double SumGradients(CompiledStep step, ICommunicator communicator, int rows, int count, double loss)
    {
        foreach (var gradient in step.Gradients) communicator.AllReduceSum(gradient.Data);
        var all = new double[communicator.Size];
        communicator.AllGather([loss * rows / count], all);
        double total = 0;
        foreach (double part in all) total += part;
        return total;
    }

    /// <summary>Sets every variable the optimizer does not train (moving statistics) to its mean over the ranks.</summary>
    public static void AverageStatistics(Sequential model, ICommunicator communicator)
    {
        foreach (var variable in model.Variables)
            if (!variable.Trainable) communicator.AllReduceMean(variable.Value.Data);
    }
}
