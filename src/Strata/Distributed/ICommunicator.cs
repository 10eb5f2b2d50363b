using System.Runtime.Intrinsics;

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

    /// <summary>
    /// Gathers every rank's <paramref name="mine"/> into <paramref name="all"/>, rank 0's first:
    /// <paramref name="all"/> holds <see cref="Size"/> × mine.Length values.
    /// </summary>
    void AllGather(ReadOnlySpan<float> mine, Span<float> all);

    /// <summary>
    /// Gathers every rank's <paramref name="mine"/> into <paramref name="all"/>, rank 0's first:
    /// <paramref name="all"/> holds <see cref="Size"/> × mine.Length values.
    /// </summary>
    void AllGather(ReadOnlySpan<long> mine, Span<long> all);

    /// <summary>
    /// Sends block j of <paramref name="send"/> (send.Length / <see cref="Size"/> values) to rank j;
    /// <paramref name="receive"/>, as long as <paramref name="send"/>, gets the block every rank sent to
    /// this one, rank 0's first.
    /// </summary>
    void AllToAll(ReadOnlySpan<float> send, Span<float> receive);

    /// <summary>As <see cref="AllToAll(ReadOnlySpan{float}, Span{float})"/>, for 64-bit integers.</summary>
    void AllToAll(ReadOnlySpan<long> send, Span<long> receive);

    /// <summary>Waits until every rank has called it.</summary>
    void Barrier();
}

/// <summary>Reductions every communicator gets from its gathers.</summary>
public static class Communicators
{
    // Values per exchange: large buffers are reduced in pieces (one 64 MiB exchange was measured
    // several times slower than pieces of a few MiB on this machine kind).
    private const int Piece = 1 << 20;

    [ThreadStatic] private static float[]? t_blocks, t_mine;
    [ThreadStatic] private static double[]? t_tail, t_tailSums;
    [ThreadStatic] private static long[]? t_integers;

    /// <summary>One process, no exchange.</summary>
    public static ICommunicator Single { get; } = new SingleProcess();

    /// <summary>
    /// Replaces <paramref name="values"/> on every rank by the sum over ranks, added in rank order
    /// (r0 + r1) + r2 ... in double, then rounded once to float. Each rank adds up one block of every
    /// piece (a reduce-scatter) and the blocks are then gathered, so each value crosses twice whatever
    /// the number of ranks.
    /// </summary>
    public static void AllReduceSum(this ICommunicator communicator, Span<float> values) => AllReduce(communicator, values, 1);

    /// <summary>
    /// Replaces <paramref name="values"/> on every rank by the mean over ranks, summed in rank order and divided
    /// in double, then rounded once: values equal on every rank stay exactly what they were.
    /// </summary>
    public static void AllReduceMean(this ICommunicator communicator, Span<float> values) => AllReduce(communicator, values, communicator.Size);

    /// <summary>
    /// Replaces <paramref name="values"/> on every rank by the sum over ranks, added in rank order in double: for
    /// small arrays of double partial sums (BatchNormalization's per-channel gradient sums), gathered whole.
    /// </summary>
    public static void AllReduceSum(this ICommunicator communicator, Span<double> values)
    {
        int size = communicator.Size;
        if (size == 1) return;
        var all = GatherAll(communicator, values);
        for (int i = 0; i < values.Length; i++)
        {
            double sum = 0;
            for (int r = 0; r < size; r++) sum += all[r * values.Length + i];
            values[i] = sum;
        }
    }

    /// <summary>
    /// Replaces <paramref name="values"/> on every rank by the largest over the ranks (NaN where any rank has NaN): the
    /// bounds of fixed-point sums (<c>FixedPointSums</c>), which must be the whole batch's on every rank.
    /// </summary>
    public static void AllReduceMax(this ICommunicator communicator, Span<double> values)
    {
        int size = communicator.Size;
        if (size == 1) return;
        var all = GatherAll(communicator, values);
        for (int i = 0; i < values.Length; i++)
        {
            double max = all[i];
            for (int r = 1; r < size; r++) max = Math.Max(max, all[r * values.Length + i]);
            values[i] = max;
        }
    }

    /// <summary>
    /// Replaces <paramref name="values"/> on every rank by the sum over ranks: integer sums, exact in any order (they
    /// wrap past 2^63, so partial sums may). Large arrays go in pieces, each rank adding up one block of each.
    /// </summary>
    public static void AllReduceSum(this ICommunicator communicator, Span<long> values)
    {
        int size = communicator.Size;
        if (size == 1) return;
        int piece = Piece / size * size;
        for (int start = 0; start < values.Length; start += piece)
        {
            var part = values.Slice(start, Math.Min(piece, values.Length - start));
            int block = (part.Length + size - 1) / size, padded = block * size;
            var send = Grow(ref t_integers, 3 * padded).AsSpan(0, 3 * padded);
            Span<long> outgoing = send[..padded], incoming = send.Slice(padded, padded), sums = send.Slice(2 * padded, block);
            part.CopyTo(outgoing);
            outgoing[part.Length..].Clear();
            communicator.AllToAll(outgoing, incoming);
            sums.Clear();
            for (int r = 0; r < size; r++)
                for (int i = 0; i < block; i++) sums[i] += incoming[r * block + i];
            communicator.AllGather(sums, outgoing);
            outgoing[..part.Length].CopyTo(part);
        }
    }

    // Every rank's values, rank 0's first, in a buffer of this thread's.
    private static double[] GatherAll(ICommunicator communicator, Span<double> values)
    {
        int size = communicator.Size;
        var all = Grow(ref t_tail, values.Length * (size + 1));
        var mine = all.AsSpan(values.Length * size, values.Length);
        values.CopyTo(mine);
        communicator.AllGather(mine, all.AsSpan(0, values.Length * size));
        return all;
    }

    // values[i] = (float)((Σ_r in rank order values_r[i]) / divisor), the sum in double.
    private static void AllReduce(ICommunicator communicator, Span<float> values, double divisor)
    {
        int size = communicator.Size;
        if (size == 1) return;
        int whole = values.Length / size * size;
        for (int start = 0; start < whole; start += Piece / size * size)
        {
            int length = Math.Min(Piece / size * size, whole - start);
            ReducePiece(communicator, values.Slice(start, length), divisor);
        }
        // The last values.Length mod size values, fewer than the ranks.
        var tail = values[whole..];
        if (tail.Length == 0) return;
        var sums = Grow(ref t_tailSums, tail.Length).AsSpan(0, tail.Length);
        for (int i = 0; i < tail.Length; i++) sums[i] = tail[i];
        communicator.AllReduceSum(sums);
        for (int i = 0; i < tail.Length; i++) tail[i] = (float)(sums[i] / divisor);
    }

    // values.Length is a multiple of the ranks: block b of it is summed on rank b, then gathered back in place.
    private static void ReducePiece(ICommunicator communicator, Span<float> values, double divisor)
    {
        int size = communicator.Size, block = values.Length / size;
        var blocks = Grow(ref t_blocks, values.Length).AsSpan(0, values.Length);
        var mine = Grow(ref t_mine, block).AsSpan(0, block);
        communicator.AllToAll(values, blocks);
        SumInRankOrder(blocks, mine, size, divisor);
        communicator.AllGather(mine, values);
    }

    // sum[i] = (float)((((0 + b0[i]) + b1[i]) + ...) / divisor) in double: the same bits on every path.
    private static void SumInRankOrder(ReadOnlySpan<float> blocks, Span<float> sum, int size, double divisor)
    {
        var by = Vector256.Create(divisor);
        int block = sum.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= block - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var (low, high) = (Vector256<double>.Zero, Vector256<double>.Zero);
                for (int r = 0; r < size; r++)
                {
                    var (l, h) = Vector256.Widen(Vector256.Create(blocks.Slice(r * block + i, Vector256<float>.Count)));
                    (low, high) = (low + l, high + h);
                }
                Vector256.Narrow(low / by, high / by).CopyTo(sum[i..]);
            }
        for (; i < block; i++)
        {
            double s = 0;
            for (int r = 0; r < size; r++) s += blocks[r * block + i];
            sum[i] = (float)(s / divisor);
        }
    }

    private static T[] Grow<T>(ref T[]? buffer, int length) =>
        buffer is { } b && b.Length >= length ? b : buffer = new T[Math.Max(length, 2 * (buffer?.Length ?? 0))];

    private sealed class SingleProcess : ICommunicator
    {
        public int Rank => 0;
        public int Size => 1;
        public void AllGather(ReadOnlySpan<double> mine, Span<double> all) => mine.CopyTo(all);
        public void AllGather(ReadOnlySpan<float> mine, Span<float> all) => mine.CopyTo(all);
        public void AllGather(ReadOnlySpan<long> mine, Span<long> all) => mine.CopyTo(all);
        public void AllToAll(ReadOnlySpan<float> send, Span<float> receive) => send.CopyTo(receive);
        public void AllToAll(ReadOnlySpan<long> send, Span<long> receive) => send.CopyTo(receive);
        public void Barrier() { }
    }
}
