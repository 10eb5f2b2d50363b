using System.Runtime.InteropServices;

namespace Strata.Distributed;

/// <summary>
/// The ranks of an <c>mpirun</c> launch, through Open MPI's C library (<c>libmpi.so.40</c>, Debian's
/// <c>openmpi-bin</c>). Open MPI's handles (MPI_COMM_WORLD, MPI_DOUBLE, MPI_FLOAT, MPI_INT64_T) are the addresses of the
/// library's exported objects <c>ompi_mpi_comm_world</c>, <c>ompi_mpi_double</c>, <c>ompi_mpi_float</c> and <c>ompi_mpi_int64_t</c>; the library is
/// opened with RTLD_GLOBAL, as its plugins need to find its symbols.
/// </summary>
public sealed unsafe class OpenMpiCommunicator : ICommunicator, IDisposable
{
    private const string Library = "libmpi.so.40";
    private const int Success = 0;
    private const int RtldNow = 2, RtldGlobal = 0x100;

    private readonly nint _world, _double, _float, _int64;
    private readonly delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> _allGather, _allToAll;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<int> _finalize;
    private bool _finalized;

    private OpenMpiCommunicator(nint library)
    {
        nint Export(string name) => NativeLibrary.GetExport(library, name);
        _world = Export("ompi_mpi_comm_world");
        _double = Export("ompi_mpi_double");
        _float = Export("ompi_mpi_float");
        _int64 = Export("ompi_mpi_int64_t");
        _allGather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Export("MPI_Allgather");
        _allToAll = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Export("MPI_Alltoall");
        _barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        var initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        var init = (delegate* unmanaged<int*, byte***, int>)Export("MPI_Init");
        var rank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        var size = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        int flag = 0, r = 0, s = 0;
        Check(initialized(&flag), "MPI_Initialized");
        if (flag == 0) Check(init(null, null), "MPI_Init");
        Check(rank(_world, &r), "MPI_Comm_rank");
        Check(size(_world, &s), "MPI_Comm_size");
        (Rank, Size) = (r, s);
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <summary>Whether this process was started by Open MPI's <c>mpirun</c> (it sets OMPI_COMM_WORLD_SIZE).</summary>
    public static bool Launched => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    /// <summary>
    /// Joins the ranks of the <c>mpirun</c> that started this process; a clear error when Open MPI's
    /// library is missing.
    /// </summary>
    public static OpenMpiCommunicator Create()
    {
        nint library = dlopen(Library, RtldNow | RtldGlobal);
        if (library == 0 && !NativeLibrary.TryLoad(Library, out library))
            throw new StrataException($"Open MPI's library {Library} could not be loaded; install it with 'apt-get install openmpi-bin' (Debian, Ubuntu).");
        return new OpenMpiCommunicator(library);
    }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<double> mine, Span<double> all) => AllGather(mine, all, _double);

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<float> mine, Span<float> all) => AllGather(mine, all, _float);

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<long> mine, Span<long> all) => AllGather(mine, all, _int64);

    /// <inheritdoc/>
    public void AllToAll(ReadOnlySpan<float> send, Span<float> receive) => AllToAll(send, receive, _float);

    /// <inheritdoc/>
    public void AllToAll(ReadOnlySpan<long> send, Span<long> receive) => AllToAll(send, receive, _int64);

    private void AllGather<T>(ReadOnlySpan<T> mine, Span<T> all, nint type) where T : unmanaged
    {
        if (all.Length != mine.Length * Size)
            throw new ArgumentException($"All-gather of {mine.Length} values on {Size} ranks needs {mine.Length * Size}; got {all.Length}.", nameof(all));
        fixed (T* send = mine, receive = all)
            Check(_allGather(send, mine.Length, type, receive, mine.Length, type, _world), "MPI_Allgather");
    }

    private void AllToAll<T>(ReadOnlySpan<T> send, Span<T> receive, nint type) where T : unmanaged
    {
        if (send.Length % Size != 0 || receive.Length != send.Length)
            throw new ArgumentException($"All-to-all on {Size} ranks needs a multiple of {Size} values sent and as many received; got {send.Length} and {receive.Length}.", nameof(receive));
        fixed (T* s = send, r = receive)
            Check(_allToAll(s, send.Length / Size, type, r, send.Length / Size, type, _world), "MPI_Alltoall");
    }

    /// <inheritdoc/>
    public void Barrier() => Check(_barrier(_world), "MPI_Barrier");

    /// <summary>Leaves MPI (MPI_Finalize); every rank calls it once, at the end.</summary>
    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        Check(_finalize(), "MPI_Finalize");
    }

    private void Check(int code, string call)
    {
        if (code != Success) throw new StrataException($"{call} failed with MPI error {code} on rank {Rank}.");
    }

    [DllImport("libc.so.6", EntryPoint = "dlopen")]
    private static extern nint dlopen(string file, int mode);
}
