using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Strata.Tests.Distributed;

/// <summary>
/// strata train --ranks N: the command under mpirun, a run whose rank is lost, Ctrl-C, and resuming
/// with another number of ranks (the small Red Wine example, synchronized BatchNormalization).
/// </summary>
public sealed partial class MpiRanksOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-ranks-").FullName;
    // Marks this test's processes, so it can find its ranks among the machine's.
    private readonly string _tag = Guid.NewGuid().ToString("N");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Cli(Process process, StringBuilder output) : IDisposable
    {
        public Process Process => process;

        public string Output { get { lock (output) return output.ToString(); } }

        public int WaitForExit()
        {
            process.WaitForExit();
            return process.ExitCode;
        }

        public void Dispose()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }

    private Cli Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[MpiTrainTests.CliPath, "train", .. arguments]) info.ArgumentList.Add(a);
        info.Environment["STRATA_TEST_RUN"] = _tag;
        var output = new StringBuilder();
        var process = new Process { StartInfo = info };
        DataReceivedEventHandler collect = (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Cli(process, output);
    }

    private (int Code, string Output) Run(params string[] arguments)
    {
        using var cli = Start(arguments);
        int code = cli.WaitForExit();
        return (code, cli.Output);
    }

    // Starts a run with 2 ranks long enough not to end by itself, lets stop act on it once its first checkpoint is
    // written, and returns how it ended.
    private (int Code, string Output) StopAfterFirstCheckpoint(string spec, string run, Action<Cli> stop)
    {
        using var cli = Start(spec, "--epochs", "100000", "--out", run, "--no-lint", "--ranks", "2");
        while (!File.Exists(Path.Combine(run, "checkpoint.strata-state")))
        {
            Assert.False(cli.Process.HasExited, $"the run ended before its first checkpoint: {cli.Output}");
            Thread.Sleep(20);
        }
        stop(cli);
        int code = cli.WaitForExit();
        return (code, cli.Output);
    }

    // The process of this test's rank, found by the environment mpirun gives it.
    private int RankProcess(int rank)
    {
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid)) continue;
            string[] environment;
            try { environment = File.ReadAllText(Path.Combine(directory, "environ")).Split('\0'); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (environment.Contains($"STRATA_TEST_RUN={_tag}") && environment.Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
        }
        throw new Xunit.Sdk.XunitException($"rank {rank} of this test's run was not found");
    }

    [GeneratedRegex(@"Epoch (\d+)/")]
    private static partial Regex EpochHeader();

    [Fact]
    public void RanksOptionTrainsUnderMpirunWritesTheRunOnceAndResumesWithThreeRanks()
    {
        string spec = MpiTrainTests.WriteSpec(_dir), single = Path.Combine(_dir, "single"), shared = Path.Combine(_dir, "shared");
        var one = Run(spec, "--epochs", "4", "--out", single, "--no-lint");
        Assert.True(one.Code == 0, one.Output);
        var two = Run(spec, "--epochs", "2", "--out", shared, "--no-lint", "--ranks", "2");
        Assert.True(two.Code == 0, two.Output);
        Assert.Contains("shared among 2 ranks", two.Output);
        // Rank 0 alone writes: the folder holds what one process writes, one checkpoint and nothing else.
        Assert.Equal(["checkpoint.strata-state", "history.csv", "learning-curves.svg", "model.strata"],
            Directory.GetFiles(shared).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var three = Run(spec, "--epochs", "4", "--resume", shared, "--no-lint", "--ranks", "3");
        Assert.True(three.Code == 0, three.Output);
        Assert.Contains("Resuming after epoch 2", three.Output);
        MpiTrainTests.AssertHistoriesClose(single, shared);
    }

    [Fact]
    public void ALostRankEndsTheRunNamingItAndItsCheckpointContinuesTheRun()
    {
        string spec = MpiTrainTests.WriteSpec(_dir), run = Path.Combine(_dir, "lost");
        var (code, output) = StopAfterFirstCheckpoint(spec, run, _ => Process.GetProcessById(RankProcess(1)).Kill());
        Assert.Equal(1, code);
        Assert.Contains("process rank 1", output);
        Assert.Contains("Continue from the last checkpoint", output);
        // The last epoch begun is after the checkpoint's (or is its): one more than that ends after the checkpoint.
        int epochs = EpochHeader().Matches(output).Max(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)) + 1;
        var resumed = Run(spec, "--epochs", $"{epochs}", "--resume", run, "--no-lint", "--ranks", "3");
        Assert.True(resumed.Code == 0, resumed.Output);
        Assert.Contains("Resuming after epoch", resumed.Output);
        Assert.Equal(epochs + 1, File.ReadAllLines(Path.Combine(run, "history.csv")).Length);
    }

    [Fact]
    public void CtrlCStopsEveryRankAfterABatchAndRankZeroWritesTheRun()
    {
        string spec = MpiTrainTests.WriteSpec(_dir), run = Path.Combine(_dir, "stopped");
        var (code, output) = StopAfterFirstCheckpoint(spec, run, cli => Assert.Equal(0, Interrupt(cli.Process.Id)));
        Assert.Equal(130, code);
        Assert.Contains("Interrupted after epoch", output);
        Assert.Contains("continue exactly with: mpirun -np 2", output);
        Assert.True(File.Exists(Path.Combine(run, "history.csv")), output);
        Assert.True(File.Exists(Path.Combine(run, "model.strata")), output);
    }

    // SIGINT, what Ctrl-C sends.
    private static int Interrupt(int pid) => kill(pid, 2);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int kill(int pid, int signal);
}
