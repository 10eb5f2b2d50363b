using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Strata.Distributed;

/// <summary>
/// Starts a program as several ranks on this machine with Open MPI's <c>mpirun</c>: what
/// <c>strata train --ranks N</c> does. Each rank gets its share of the cores (and the compute threads
/// that follow from it); more ranks than cores share them. <c>mpirun</c> runs in a session of its own,
/// so a Ctrl-C at the terminal reaches this process alone, which asks the ranks to stop after a batch
/// (<see cref="Stop"/>) instead of having <c>mpirun</c> end them at once.
/// </summary>
public sealed class MpiRun : IDisposable
{
    /// <summary>The signal mpirun forwards to the ranks, which stop together after a batch on it (SIGUSR1 on Linux).</summary>
    public const int StopSignal = 10;
    private const int EndSignal = 15;

    private readonly Process _process;

    private MpiRun(Process process) => _process = process;

    /// <summary><c>mpirun</c>'s path on the PATH, or null when Open MPI is not installed.</summary>
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "mpirun")).FirstOrDefault(File.Exists);

    /// <summary>
    /// The <c>mpirun</c> arguments that start <paramref name="program"/> (its path and arguments) as
    /// <paramref name="ranks"/> ranks on a machine of <paramref name="cores"/> cores.
    /// </summary>
    public static IReadOnlyList<string> Arguments(int ranks, IReadOnlyList<string> program, int cores, bool asRoot)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        var arguments = new List<string> { "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (ranks <= cores)
            // Each rank bound to its own cores: the runtime then counts those, and so does Compute.Threads.
            arguments.AddRange(["--map-by", $"slot:PE={cores / ranks}", "--bind-to", "core"]);
        else
            arguments.AddRange(["--oversubscribe", "--bind-to", "none", "-x", "DOTNET_PROCESSOR_COUNT=1"]);
        // A process that sees one core postpones optimizing its hot methods for as long as it stays busy:
        // the first epochs of a rank ran at half speed (0.35 against 0.17 s per Red Wine epoch).
        arguments.AddRange(["-x", "DOTNET_TC_CallCountingDelayMs=0"]);
        // The ranks write to mpirun's pipes: no terminal escape codes.
        arguments.AddRange(["-x", "TERM=dumb"]);
        if (asRoot) arguments.Add("--allow-run-as-root");
        arguments.AddRange(program);
        return arguments;
    }

    /// <summary>
    /// Starts <paramref name="program"/> as <paramref name="ranks"/> ranks, with this process's standard streams.
    /// </summary>
    public static MpiRun Start(int ranks, IReadOnlyList<string> program)
    {
        string mpirun = Find()
            ?? throw new StrataException("Training with several ranks needs Open MPI's mpirun; install it with 'apt-get install openmpi-bin' (Debian, Ubuntu).");
        // setsid --wait: mpirun leads a session of its own and this process still gets its exit code.
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (string argument in (string[])["--wait", mpirun, .. Arguments(ranks, program, Environment.ProcessorCount, Environment.UserName == "root")])
            info.ArgumentList.Add(argument);
        return new MpiRun(Process.Start(info) ?? throw new StrataException($"{mpirun} could not be started."));
    }

    /// <summary>Asks every rank to stop after its current batch and write what the run has (as Ctrl-C does to one process).</summary>
    public void Stop() => Signal(StopSignal);

    /// <summary>Ends the ranks at once; the run's last checkpoint stays.</summary>
    public void End() => Signal(EndSignal);

    /// <summary>
    /// Waits for the ranks and returns <c>mpirun</c>'s exit code: non-zero when a rank failed or was lost,
    /// which <c>mpirun</c>'s message names.
    /// </summary>
    public int WaitForExit()
    {
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <inheritdoc/>
    public void Dispose() => _process.Dispose();

    private void Signal(int signal)
    {
        // setsid execs mpirun in its own place (a child of this process leads no process group), so the id is mpirun's.
        if (!_process.HasExited) _ = kill(_process.Id, signal);
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int kill(int pid, int signal);
}
