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
        (graph.GlobalRows, graph.LocalRows) = (communicator.Size == 1 ? 0 : count, rows);
    }

    // Gradients shorter than this are packed into one exchange: each exchange costs a round of messages.
    private const int Packed = 1 << 16;

    [ThreadStatic] private static float[]? t_packed;
    [ThreadStatic] private static double[]? t_losses;

    /// <summary>
    /// Replaces each gradient (already scaled by this rank's share, see <see cref="Place"/>) by its sum over the
    /// ranks, and returns the batch's loss Σ_r (rows_r/count)·loss_r (the mean over the whole batch) and whether
    /// any rank asked to stop after this batch, so that all stop together.
    /// </summary>
    public static (double Loss, bool Stop) SumGradients(CompiledStep step, ICommunicator communicator, int rows, int count, double loss, bool stop)
    {
        // Gradients kept in fixed point are added up as integers (exact), each rounded once afterwards.
        for (int i = 0; i < step.Gradients.Count; i++)
        {
            if (step.FixedPointSums.Count > i && step.FixedPointSums[i] is { } sums) communicator.AllReduceSum(sums.Sums.AsSpan());
            else if (step.Gradients[i].Data.Length >= Packed) communicator.AllReduceSum(step.Gradients[i].Data);
        }
        // The small float gradients go in one exchange (those kept in fixed point are not read).
        ReduceTogether(step.Gradients, step.FixedPointSums,
            static (g, i, fixedPoint) => g.Data.Length < Packed && (fixedPoint.Count <= i || fixedPoint[i] is null) ? g.Data : null, communicator, mean: false);
        if (t_losses is null || t_losses.Length != 2 * communicator.Size) t_losses = new double[2 * communicator.Size];
        // A loss over the whole batch is this rank's share already; another is its rows' mean.
        communicator.AllGather([step.Graph.MeansOverGlobalBatch is null ? loss * rows / count : loss, stop ? 1 : 0], t_losses);
        double total = 0;
        bool anyStop = false;
        for (int r = 0; r < communicator.Size; r++)
        {
            total += t_losses[2 * r];
            anyStop |= t_losses[2 * r + 1] != 0;
        }
        return (total, anyStop);
    }

    /// <summary>
    /// Sets every variable the optimizer does not train (moving statistics) to its mean over the ranks. Their
    /// updates are linear in the batch statistics, so averaging once after an epoch's batches gives what
    /// averaging after every batch would; with synchronized BatchNormalization they are equal on every rank
    /// and stay exactly as they are.
    /// </summary>
    public static void AverageStatistics(Sequential model, ICommunicator communicator) =>
        ReduceTogether(model.Variables.Where(v => !v.Trainable).ToList(), 0, static (v, _, _) => v.Value.Data, communicator, mean: true);

    // One exchange for many small arrays (each exchange costs a round of messages): the arrays select picks (by item, index and state)
    // (null: skip) are copied into one buffer, summed or averaged over the ranks, and copied back.
    private static void ReduceTogether<T, TState>(IReadOnlyList<T> items, TState state, Func<T, int, TState, float[]?> select, ICommunicator communicator, bool mean)
    {
        int length = 0;
        // Indexed loops: a foreach over the interface would allocate an enumerator every step.
        for (int i = 0; i < items.Count; i++) length += select(items[i], i, state)?.Length ?? 0;
        if (length == 0) return;
        if (t_packed is null || t_packed.Length < length) t_packed = new float[length];
        var buffer = t_packed.AsSpan(0, length);
        int at = 0;
        for (int i = 0; i < items.Count; i++)
            if (select(items[i], i, state) is { } values) { values.CopyTo(buffer[at..]); at += values.Length; }
        if (mean) communicator.AllReduceMean(buffer);
        else communicator.AllReduceSum(buffer);
        at = 0;
        for (int i = 0; i < items.Count; i++)
            if (select(items[i], i, state) is { } values) { buffer.Slice(at, values.Length).CopyTo(values); at += values.Length; }
    }
}
