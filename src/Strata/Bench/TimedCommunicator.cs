using System.Diagnostics;
using Strata.Distributed;

namespace Strata.Bench;

/// <summary>
/// A communicator that passes every exchange on and adds up the time spent in them: what the ranks of a
/// benchmark pay for training together, beside the time they compute.
/// </summary>
internal sealed class TimedCommunicator(ICommunicator inner) : ICommunicator
{
    private long _ticks;

    public int Rank => inner.Rank;

    public int Size => inner.Size;

    /// <summary>Seconds spent in exchanges so far, waiting for the slowest rank included.</summary>
    public double Seconds => (double)_ticks / Stopwatch.Frequency;

    public void AllGather(ReadOnlySpan<double> mine, Span<double> all)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllGather(mine, all);
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    public void AllGather(ReadOnlySpan<float> mine, Span<float> all)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllGather(mine, all);
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    public void AllToAll(ReadOnlySpan<float> send, Span<float> receive)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllToAll(send, receive);
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    public void AllGather(ReadOnlySpan<long> mine, Span<long> all)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllGather(mine, all);
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    public void AllToAll(ReadOnlySpan<long> send, Span<long> receive)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllToAll(send, receive);
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    public void Barrier()
    {
        long start = Stopwatch.GetTimestamp();
        inner.Barrier();
        _ticks += Stopwatch.GetTimestamp() - start;
    }
}
