namespace Strata.Distributed;

/// <summary>
/// Ranks that are threads of one process, exchanging through shared memory: what MPI ranks do, for
/// tests and for trying a distributed run without MPI. Each thread uses its own member of
/// <see cref="Members"/>; a call blocks until every member has made it.
/// </summary>
public sealed class InProcessGroup : IDisposable
{
    private readonly Barrier _barrier;
    private readonly double[]?[] _posted;

    /// <summary>A group of <paramref name="size"/> ranks.</summary>
    public InProcessGroup(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _barrier = new Barrier(size);
        _posted = new double[size][];
        Members = [.. Enumerable.Range(0, size).Select(r => new Member(this, r))];
    }

    /// <summary>The communicator of each rank, by rank.</summary>
    public IReadOnlyList<ICommunicator> Members { get; }

    /// <inheritdoc/>
    public void Dispose() => _barrier.Dispose();

    private sealed class Member(InProcessGroup group, int rank) : ICommunicator
    {
        public int Rank => rank;

        public int Size => group._posted.Length;

        public void AllGather(ReadOnlySpan<double> mine, Span<double> all)
        {
            if (all.Length != mine.Length * Size)
                throw new ArgumentException($"All-gather of {mine.Length} values on {Size} ranks needs {mine.Length * Size}; got {all.Length}.", nameof(all));
            group._posted[rank] = mine.ToArray();
            group._barrier.SignalAndWait();
            for (int r = 0; r < Size; r++)
            {
                var theirs = group._posted[r]!;
                if (theirs.Length != mine.Length)
                    throw new InvalidOperationException($"Rank {r} gathered {theirs.Length} values where rank {rank} gathered {mine.Length}.");
                theirs.CopyTo(all.Slice(r * mine.Length, mine.Length));
            }
            // Nobody posts again before everyone has read.
            group._barrier.SignalAndWait();
        }

        public void Barrier() => group._barrier.SignalAndWait();
    }
}
