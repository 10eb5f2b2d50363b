using System.Collections.Concurrent;
using System.Diagnostics;
using Strata.Runs;
using Xunit;

namespace Strata.Tests.Cli;

/// <summary>No command replaces what a user made without being asked, and two runs never share a folder.</summary>
public sealed class NoLostWorkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-nolost-").FullName;

    public NoLostWorkTests() => File.WriteAllText(SpecPath, CliRunner.SmallRedWineSpec(epochs: 2).ToJsonString());

    private string SpecPath => Path.Combine(_dir, "small.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Trained(string name, params string[] extra)
    {
        string run = Path.Combine(_dir, name);
        var (code, _, err) = CliRunner.Run(["train", SpecPath, "--out", run, "--no-lint", .. extra]);
        Assert.True(code == 0, err);
        return run;
    }

    [Fact]
    public void TrainRefusesAFolderThatHoldsARunAndOverwriteRemovesTheOldFilesFirst()
    {
        string run = Trained("run");
        byte[] model = File.ReadAllBytes(Path.Combine(run, "model.strata"));
        var (code, _, err) = CliRunner.Run("train", SpecPath, "--out", run, "--no-lint");
        Assert.Equal(1, code);
        Assert.Contains($"'{run}' already holds a run (checkpoint.strata-state, history.csv, learning-curves.svg, model.strata)", err);
        Assert.Contains($"--resume {run}", err);
        Assert.Contains("--overwrite", err);
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(run, "model.strata")));

        // A file the old run's user made from it (an export) goes with it; no checkpoint is left by a run without one.
        Assert.Equal(0, CliRunner.Run("export", Path.Combine(run, "model.strata")).Code);
        Assert.True(File.Exists(Path.Combine(run, "model.onnx")));
        var (again, _, againErr) = CliRunner.Run("train", SpecPath, "--out", run, "--no-lint", "--overwrite", "--checkpoint-every", "0", "--epochs", "1");
        Assert.True(again == 0, againErr);
        Assert.Equal(["history.csv", "learning-curves.svg", "model.strata"], Directory.EnumerateFiles(run).Select(Path.GetFileName).Order());
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run, "history.csv")).Length);

        string foreign = Path.Combine(_dir, "notes");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "todo.txt"), "mine");
        var (refused, _, refusal) = CliRunner.Run("train", SpecPath, "--out", foreign, "--no-lint", "--overwrite");
        Assert.Equal(1, refused);
        Assert.Contains("is not empty and holds no run", refusal);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(foreign, "todo.txt")));
    }

    [Fact]
    public void WithoutOutANewRunTakesTheNextFreeNumberedFolderAndSaysSo()
    {
        Assert.Equal(0, Cli("train", "small.json", "--no-lint").ExitCode);
        var second = Cli("train", "small.json", "--no-lint");
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("runs/red-wine already holds a run; this one goes to runs/red-wine-2", second.Output);
        Assert.Equal(0, Cli("train", "small.json", "--no-lint").ExitCode);
        Assert.Equal(["red-wine", "red-wine-2", "red-wine-3"], Directory.EnumerateDirectories(Path.Combine(_dir, "runs")).Select(Path.GetFileName).Order());
        Assert.All(["red-wine", "red-wine-2", "red-wine-3"], name => Assert.Equal(3, File.ReadAllLines(Path.Combine(_dir, "runs", name, "history.csv")).Length));

        // diagnose trains a spec only to measure it: nothing lands in runs/.
        Assert.Equal(0, Cli("diagnose", "small.json", "--epochs", "1").ExitCode);
        Assert.Equal(3, Directory.EnumerateDirectories(Path.Combine(_dir, "runs")).Count());
    }

    [Fact]
    public void ASecondTrainOnAFolderThatIsBeingTrainedIntoIsRefusedAtOnceNamingTheOther()
    {
        File.WriteAllText(Path.Combine(_dir, "wide.json"), CliRunner.RedWineSpec(epochs: 1000).ToJsonString());
        string run = Path.Combine(_dir, "shared");
        using var first = Start("train", "wide.json", "--out", run, "--no-lint", "--checkpoint-every", "0");
        try
        {
            // The lock is taken before the first epoch; wait for the process to say it trains.
            first.WaitForLine(l => l.StartsWith("Epoch 1/", StringComparison.Ordinal));
            var second = Cli("train", "small.json", "--out", run, "--no-lint");
            Assert.Equal(1, second.ExitCode);
            Assert.Contains($"'{run}' is being written by another run (process {first.Process.Id},", second.Output);
            Assert.False(File.Exists(Path.Combine(run, "model.strata")));
        }
        finally
        {
            first.Process.Kill(entireProcessTree: true);
            first.Process.WaitForExit();
        }
        // A killed run's lock ends with it: resuming there works.
        Assert.Equal(0, Cli("train", "small.json", "--resume", run, "--no-lint").ExitCode);
    }

    [Fact]
    public void AnInterruptedRunPrintsTheCommandThatContinuesItWithEveryOptionAndThatCommandFinishesIt()
    {
        File.WriteAllText(Path.Combine(_dir, "wide.json"), CliRunner.RedWineSpec().ToJsonString());
        // A shell that starts this suite in the background makes it ignore SIGINT, and a child inherits
        // that, so a run could not be interrupted at all: the children get SIGINT's default back.
        using var interruptible = new InterruptibleChildren();
        // More epochs each attempt, until the interrupt lands before the run ends, however fast the machine is.
        for (int epochs = 4; ; epochs *= 4)
        {
            Assert.True(epochs <= 1 << 16, "a run interrupted after its first epoch went on to the end each time: SIGINT does not stop it");
            string run = Path.Combine(_dir, $"interrupted-{epochs}");
            using var training = Start("train", "wide.json", "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--limit", "600", "--seed", "3", "--out", run, "--no-lint");
            training.WaitForLine(l => l.StartsWith("Epoch 1/", StringComparison.Ordinal));
            Assert.Equal(0, Kill(training.Process.Id, SignalInterrupt));
            training.Process.WaitForExit();
            if (training.Process.ExitCode == 0) continue;
            Assert.Equal(130, training.Process.ExitCode);
            string hint = training.Lines.Single(l => l.Contains("continue exactly with: ", StringComparison.Ordinal));
            string command = hint[(hint.IndexOf("continue exactly with: ", StringComparison.Ordinal) + "continue exactly with: ".Length)..];
            Assert.Equal($"dotnet {CliDll} train wide.json --epochs {epochs} --limit 600 --seed 3 --no-lint --resume {run}", command);

            var resumed = Shell(command);
            Assert.True(resumed.ExitCode == 0, resumed.Output);
            Assert.Equal(epochs + 1, File.ReadAllLines(Path.Combine(run, "history.csv")).Length);
            return;
        }
    }

    [Fact]
    public void TheResumeCommandKeepsEveryOptionQuotesWhatTheShellWouldSplitAndReplacesOutWithResume()
    {
        Assert.Equal("dotnet run --project src/Strata.Cli -c Release -- train 'my spec.json' --epochs 4 --limit 300 --threads 1 --resume 'runs/a b'",
            Strata.Cli.ResumeCommand.Format(["dotnet", "run", "--project", "src/Strata.Cli", "-c", "Release", "--"],
                ["train", "my spec.json", "--epochs", "4", "--out", "runs/a b", "--limit", "300", "--overwrite", "--threads", "1"], "runs/a b"));
        Assert.Equal("strata train s.json --resume 'it'\\''s'", Strata.Cli.ResumeCommand.Format(["strata"], ["train", "s.json", "--out=x"], "it's"));
    }

    [Fact]
    public void RecalibrateExportPredictAndLintFixWriteNewFilesAndNeverOntoTheirInputs()
    {
        string run = Trained("run");
        string model = Path.Combine(run, "model.strata");
        byte[] original = File.ReadAllBytes(model);
        string data = Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv");

        var (code, stdout, err) = CliRunner.Run("recalibrate", model, "--data", data);
        Assert.True(code == 0, err);
        Assert.Contains($"Wrote {Path.Combine(run, "model.recalibrated.strata")}", stdout);
        Assert.Equal(original, File.ReadAllBytes(model));
        Assert.Contains("already exists", CliRunner.Run("recalibrate", model, "--data", data).Err);
        Assert.Contains("is also the input", CliRunner.Run("recalibrate", model, "--data", data, "--output", model, "--overwrite").Err);

        Assert.Contains("is also the input", CliRunner.Run("export", model, "--output", model).Err);
        Assert.Equal(original, File.ReadAllBytes(model));
        Assert.Equal(0, CliRunner.Run("export", model).Code);
        Assert.Contains("give --overwrite to replace it", CliRunner.Run("export", model).Err);
        Assert.Equal(0, CliRunner.Run("export", model, "--overwrite").Code);

        string rows = Path.Combine(_dir, "rows.csv");
        File.Copy(data, rows);
        Assert.Contains("is also the input", CliRunner.Run("predict", model, "--input", rows, "--output", rows).Err);
        Assert.Equal(File.ReadAllBytes(data), File.ReadAllBytes(rows));

        var (fixCode, _, fixErr) = CliRunner.Run("lint", SpecPath, "--fix");
        Assert.True(fixCode is 0 or 1, fixErr);
        var fixedSpec = TrainingSpec.Load(Path.Combine(_dir, "small-fixed.json"));
        Assert.Equal("red-wine-fixed", fixedSpec.Name);
        Assert.Contains("already exists", CliRunner.Run("lint", SpecPath, "--fix").Err);
        Assert.Contains("is also the input", CliRunner.Run("lint", SpecPath, "--fix", "--output", SpecPath, "--overwrite").Err);
    }

    [Fact]
    public void TemporaryFilesOfWritesWhoseProcessIsGoneAreRemovedByTheNextRunThere()
    {
        string run = Trained("run");
        // No process has id int.MaxValue; process 1 always runs, so its file may still be written.
        string abandoned = Path.Combine(run, "history.csv" + AtomicFile.TemporarySuffix + int.MaxValue);
        string live = Path.Combine(run, "model.strata" + AtomicFile.TemporarySuffix + "1");
        File.WriteAllText(abandoned, "half");
        File.WriteAllText(live, "half");
        var (code, _, err) = CliRunner.Run("train", SpecPath, "--resume", run, "--no-lint", "--epochs", "3");
        Assert.True(code == 0, err);
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(live));
    }

    private const int SignalInterrupt = 2;

    /// <summary>
    /// While alive, processes started by this one begin with SIGINT's default action, where this
    /// process was started with SIGINT ignored (which exec passes on); afterwards the old disposition is back.
    /// </summary>
    private sealed class InterruptibleChildren : IDisposable
    {
        private static readonly IntPtr Default = IntPtr.Zero, Ignore = new(1);
        private readonly bool _wasIgnored;

        public InterruptibleChildren()
        {
            var previous = Signal(SignalInterrupt, Default);
            _wasIgnored = previous == Ignore;
            // Anything else was the runtime's own handler: it stays.
            if (!_wasIgnored) Signal(SignalInterrupt, previous);
        }

        public void Dispose()
        {
            if (_wasIgnored) Signal(SignalInterrupt, Ignore);
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "signal")]
        private static extern IntPtr Signal(int signal, IntPtr handler);
    }

    /// <summary>Sends a signal as Ctrl-C in a terminal sends SIGINT (.NET can only send SIGKILL).</summary>
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static string CliDll => Path.Combine(TestSupport.RepositoryRoot, "src", "Strata.Cli", "bin",
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release", "net10.0", "Strata.Cli.dll");

    /// <summary>Runs strata as a process in the test's folder and waits for it.</summary>
    private (int ExitCode, string Output) Cli(params string[] args)
    {
        using var run = Start(args);
        run.Process.WaitForExit();
        return (run.Process.ExitCode, string.Join('\n', run.Lines));
    }

    private (int ExitCode, string Output) Shell(string command)
    {
        var info = new ProcessStartInfo("/bin/sh") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        using var process = new Running(Process.Start(info)!);
        process.Process.WaitForExit();
        return (process.Process.ExitCode, string.Join('\n', process.Lines));
    }

    private Running Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        return new Running(Process.Start(info)!);
    }

    /// <summary>A process whose output lines (stdout and stderr) are collected as they come.</summary>
    private sealed class Running : IDisposable
    {
        private readonly BlockingCollection<string> _incoming = [];
        private readonly ConcurrentQueue<string> _lines = new();

        public Running(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public IReadOnlyList<string> Lines
        {
            get
            {
                Process.WaitForExit();
                return _lines.ToArray();
            }
        }

        private void Add(string? line)
        {
            if (line is null) return;
            _lines.Enqueue(line);
            _incoming.Add(line);
        }

        /// <summary>Waits for a line that matches; fails if the process ends first.</summary>
        public void WaitForLine(Func<string, bool> match)
        {
            while (true)
            {
                if (_incoming.TryTake(out var line, 200)) { if (match(line)) return; continue; }
                if (Process.HasExited && _incoming.Count == 0)
                {
                    Process.WaitForExit();
                    while (_incoming.TryTake(out var rest)) if (match(rest)) return;
                    Assert.Fail($"the process ended (exit {Process.ExitCode}) before printing the line waited for:\n{string.Join('\n', _lines)}");
                }
            }
        }

        public void Dispose() => Process.Dispose();
    }
}
