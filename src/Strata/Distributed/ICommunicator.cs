namespace Strata.Distributed;

/// <summary>
/// The processes (ranks) that train one model together, and the exchanges they need. Every rank calls
/// each method in the same order with buffers of the same length. Reductions are formed in rank order
/// on every rank, so a run with the same number of ranks gives the same bits every time.
/// </summary>
public interface ICommunicator
{
    /// <summary>This process's index, 0 to <see cref="Size"/> − 1; rank 0 alone writes files and prints.</summary>
    int Rank { get; }

    /// <summary>How many ranks there are.</summary>
    int Size { get; }

    /// <summary>
    /// Gathers every rank's <paramref name="mine"/> into <paramref name="all"/>, rank 0's first:
    /// <paramref name="all"/> holds <see cref="Size"/> × mine.Length values.
    /// </summary>
    void AllGather(ReadOnlySpan<double> mine, Span<double> all);

    /// <summary>Waits until every rank has called it.</summary>
    void Barrier();
}

/// <summary>Reductions every communicator gets from <see cref="ICommunicator.AllGather"/>.</summary>
public static class Communicators
{
    /// <summary>One process, no exchange.</summary>
    public static ICommunicator Single { get; } = new SingleProcess();

    /// <summary>
    /// Replaces <paramref name="values"/> on every rank by the sum over ranks, added in rank order
    /// (r0 + r1) + r2 ... in double, then rounded once to float.
    /// </summary>
    public static void AllReduceSum(this ICommunicator communicator, Span<float> values)
    {
        if (communicator.Size == 1) return;
        var mine = new double[values.Length];
        for (int i = 0; i < values.Length; i++) mine[i] = values[i];
        var all = new double[mine.Length * communicator.Size];
        communicator.AllGather(mine, all);
        for (int i = 0; i < values.Length; i++)
        {
            double sum = 0;
            for (int r = 0; r < communicator.Size; r++) sum += all[r * values.Length + i];
            values[i] = (float)sum;
        }
    }

    /// <summary>
    /// Replaces <paramref name="values"/> on every rank by the mean over ranks, summed in rank order and divided
    /// in double, then rounded once: values equal on every rank stay exactly what they were.
    /// </summary>
    public static void AllReduceMean(this ICommunicator communicator, Span<float> values)
    {
        if (communicator.Size == 1) return;
        var mine = new double[values.Length];
        for (int i = 0; i < values.Length; i++) mine[i] = values[i];
        var all = new double[mine.Length * communicator.Size];
        communicator.AllGather(mine, all);
        for (int i = 0; i < values.Length; i++)
        {
            double sum = 0;
            for (int r = 0; r < communicator.Size; r++) sum += all[r * values.Length + i];
            values[i] = (float)(sum / communicator.Size);
        }
    }

    private sealed class SingleProcess : ICommunicator
    {
        public int Rank => 0;
        public int Size => 1;
        public void AllGather(ReadOnlySpan<double> mine, Span<double> all) => mine.CopyTo(all);
        public void Barrier() { }
    }
}
