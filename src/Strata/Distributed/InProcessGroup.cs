namespace Strata.Distributed;

/// <summary>
/// Ranks that are threads of one process, exchanging through shared memory: what MPI ranks do, for
/// tests and for trying a distributed run without MPI. Each thread uses its own member of
/// <see cref="Members"/>; a call blocks until every member has made it.
/// </summary>
public sealed class InProcessGroup : IDisposable
{
    private readonly Barrier _barrier;
    private readonly Array?[] _posted;

    /// <summary>A group of <paramref name="size"/> ranks.</summary>
    public InProcessGroup(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _barrier = new Barrier(size);
        _posted = new Array?[size];
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

        public void AllGather(ReadOnlySpan<double> mine, Span<double> all) => Gather(mine, all);

        public void AllGather(ReadOnlySpan<float> mine, Span<float> all) => Gather(mine, all);

        public void AllGather(ReadOnlySpan<long> mine, Span<long> all) => Gather(mine, all);

        public void AllToAll(ReadOnlySpan<float> send, Span<float> receive) => Exchange(send, receive);

        public void AllToAll(ReadOnlySpan<long> send, Span<long> receive) => Exchange(send, receive);

        private void Exchange<T>(ReadOnlySpan<T> send, Span<T> receive)
        {
            if (send.Length % Size != 0 || receive.Length != send.Length)
                throw new ArgumentException($"All-to-all on {Size} ranks needs a multiple of {Size} values sent and as many received; got {send.Length} and {receive.Length}.", nameof(receive));
            int block = send.Length / Size;
            var theirs = Post(send);
            for (int r = 0; r < Size; r++) theirs[r].AsSpan(rank * block, block).CopyTo(receive.Slice(r * block, block));
            AllRead();
        }

        private void Gather<T>(ReadOnlySpan<T> mine, Span<T> all)
        {
            if (all.Length != mine.Length * Size)
                throw new ArgumentException($"All-gather of {mine.Length} values on {Size} ranks needs {mine.Length * Size}; got {all.Length}.", nameof(all));
            var theirs = Post(mine);
            for (int r = 0; r < Size; r++) theirs[r].CopyTo(all.Slice(r * mine.Length, mine.Length));
            AllRead();
        }

        // Posts a copy of this rank's values and returns everyone's, by rank, once all have posted.
        private T[][] Post<T>(ReadOnlySpan<T> mine)
        {
            group._posted[rank] = mine.ToArray();
            group._barrier.SignalAndWait();
            var theirs = new T[Size][];
            for (int r = 0; r < Size; r++)
            {
                theirs[r] = group._posted[r] as T[] ?? throw new InvalidOperationException($"Rank {r} made another exchange than rank {rank}.");
                if (theirs[r].Length != mine.Length)
                    throw new InvalidOperationException($"Rank {r} sent {theirs[r].Length} values where rank {rank} sent {mine.Length}.");
            }
            return theirs;
        }

        // Nobody posts again before everyone has read.
        private void AllRead() => group._barrier.SignalAndWait();

        public void Barrier() => group._barrier.SignalAndWait();
    }
}
