using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Strata.Runs;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Training.Callbacks;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Models;

/// <summary>Checkpoints and resume: a resumed run ends bit for bit where an uninterrupted one does.</summary>
public sealed partial class ResumeTests
{
    /// <summary>
    /// Runs `strata train` as a process, kills it (SIGKILL) at moments chosen from what it prints and
    /// writes, resumes it, and repeats until it finishes; the history and weights must equal an
    /// uninterrupted run's. Every kill waits until the run has written a checkpoint past the one it
    /// resumed from, so each start gets further than the last and there are at most as many starts as
    /// epochs, however slow the machine.
    /// </summary>
    [Fact]
    public void ARunKilledAtRandomMomentsAndResumedEndsBitForBitLikeAnUninterruptedOne()
    {
        const int Epochs = 10;
        // The example's 1024-unit layers: a checkpoint of about 25 MB takes long enough to write for a kill to land inside it.
        string spec = WriteSpec(Epochs, fullWidth: true);
        string reference = Path.Combine(_dir, "reference"), killed = Path.Combine(_dir, "killed");
        using (var run = TrainProcess.Start(spec, "--out", reference, "--no-lint"))
        {
            int code = run.WaitForExit();
            Assert.True(code == 0, $"exit code {code}: {run.Errors}");
        }

        // STRATA_KILL_SEED varies the kill plan when the test is run again and again by hand.
        var random = new Random(int.TryParse(Environment.GetEnvironmentVariable("STRATA_KILL_SEED"), out int seed) ? seed : 20261122);
        // From this start on, kill as soon as the checkpoint's temporary file appears, until one such kill lands inside the write.
        int aimAtAWriteFrom = random.Next(2);
        int resumedFrom = -1, kills = 0, killsInAWrite = 0;
        string? leftBehind = null;
        for (int start = 0; ; start++)
        {
            Assert.True(start < Epochs, $"{start} starts for {Epochs} epochs: a start did not get past a new checkpoint");
            using var run = TrainProcess.Start(spec, "--resume", killed, "--no-lint");
            int from = run.ReadResumedEpoch();
            Assert.True(from > resumedFrom, $"start {start} resumed after epoch {from}, the previous one after epoch {resumedFrom}");
            if (leftBehind is not null) Assert.False(File.Exists(leftBehind), $"resuming left {leftBehind} in place");
            resumedFrom = from;
            string temporary = Path.Combine(killed, $"{TrainingCheckpoint.FileName}.tmp-{run.Id}");
            // Checkpoint from + 1 is written while epoch from + 2 trains, and the end of that epoch waits
            // for it; so it is on disk once "Epoch {from + 3}/..." is printed: a kill after that line makes progress.
            int first = from + 3;
            // Until a kill has landed inside a write, keep epochs in hand for it; until two kills are in, leave the last epoch alone.
            int last = killsInAWrite == 0 ? first : kills >= 2 ? Epochs : Epochs - 1;
            bool aimAtAWrite = killsInAWrite == 0 && start >= aimAtAWriteFrom;
            string plan;
            bool stopped;
            if (first > Epochs || (!aimAtAWrite && first > last))
            {
                plan = "left to finish";
                stopped = false;
            }
            else if (aimAtAWrite)
            {
                run.ReadUntilEpoch(first);
                plan = $"killed once {Path.GetFileName(temporary)} appeared after 'Epoch {first}/{Epochs}'";
                stopped = run.KillWhenExists(temporary);
            }
            else
            {
                int epoch = random.Next(first, last + 1);
                double fraction = random.NextDouble();
                // This run's own time for the epoch before: the kill lands in this epoch or in the checkpoint write after it.
                var epochTime = run.ReadUntilEpoch(epoch);
                plan = $"killed {fraction:F2} of an epoch ({fraction * epochTime.TotalSeconds:F2} s) after 'Epoch {epoch}/{Epochs}'";
                stopped = run.KillAfter(fraction * epochTime);
            }
            if (!stopped)
            {
                int code = run.WaitForExit();
                Assert.True(code == 0, $"start {start} ({plan}) ended with exit code {code}: {run.Errors}");
                _output.WriteLine($"start {start}: resumed after epoch {from}, ran to the end");
                break;
            }
            kills++;
            bool inAWrite = File.Exists(temporary);
            if (inAWrite)
            {
                killsInAWrite++;
                leftBehind = temporary;
            }
            _output.WriteLine($"start {start}: resumed after epoch {from}, {plan}{(inAWrite ? "; a checkpoint write was under way" : "")}");
        }
        Assert.True(kills >= 2, $"only {kills} kills");
        Assert.True(killsInAWrite >= 1, "no kill landed while a checkpoint was being written");
        Assert.Equal(File.ReadAllText(Path.Combine(reference, "history.csv")), File.ReadAllText(Path.Combine(killed, "history.csv")));
        Assert.Equal(Weights(reference), Weights(killed));
        Assert.DoesNotContain(Directory.EnumerateFiles(killed), f => f.Contains(TrainingCheckpoint.FileName + ".tmp-", StringComparison.Ordinal));
    }

    /// <summary>`strata train SPEC` as a child process, with its output lines as they arrive and the moment each arrived.</summary>
    private sealed partial class TrainProcess : IDisposable
    {
        private readonly Process _process;
        private readonly BlockingCollection<(string Line, long Time)> _lines = [];
        private readonly StringBuilder _errors = new();
        private long _lastEpochLine;

        private TrainProcess(Process process) => _process = process;

        public int Id => _process.Id;

        public string Errors
        {
            get
            {
                lock (_errors) return _errors.ToString();
            }
        }

        public static TrainProcess Start(string spec, params string[] options)
        {
            string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
            string cli = Path.Combine(TestSupport.RepositoryRoot, "src", "Strata.Cli", "bin", configuration, "net10.0", "Strata.Cli.dll");
            Assert.True(File.Exists(cli), $"{cli} is not built");
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { cli, "train", spec }.Concat(options)) info.ArgumentList.Add(a);
            var run = new TrainProcess(Process.Start(info)!);
            run._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) run._lines.CompleteAdding();
                else run._lines.Add((e.Data, Stopwatch.GetTimestamp()));
            };
            run._process.ErrorDataReceived += (_, e) =>
            {
                lock (run._errors) run._errors.AppendLine(e.Data);
            };
            run._process.BeginOutputReadLine();
            run._process.BeginErrorReadLine();
            return run;
        }

        /// <summary>Reads up to the line saying where the run starts: the epochs its checkpoint holds, or 0 without one.</summary>
        public int ReadResumedEpoch()
        {
            while (true)
            {
                string line = Next().Line;
                if (line.StartsWith("No checkpoint in", StringComparison.Ordinal)) return 0;
                if (ResumingLine().Match(line) is { Success: true } m) return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        /// <summary>Reads up to "Epoch <paramref name="epoch"/>/..."; returns the time since this process printed the "Epoch" line before it.</summary>
        public TimeSpan ReadUntilEpoch(int epoch)
        {
            while (true)
            {
                var (line, time) = Next();
                if (EpochLine().Match(line) is not { Success: true } m) continue;
                long previous = _lastEpochLine;
                _lastEpochLine = time;
                if (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) == epoch)
                {
                    Assert.True(previous != 0, $"'Epoch {epoch}' is the first epoch this process trains");
                    return Stopwatch.GetElapsedTime(previous, time);
                }
            }
        }

        /// <summary>Kills the process after <paramref name="delay"/>, or at once when it starts another epoch first; false if it finished first.</summary>
        public bool KillAfter(TimeSpan delay)
        {
            long deadline = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                long left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0) return Kill();
                if (_lines.TryTake(out var item, TimeSpan.FromSeconds(left / (double)Stopwatch.Frequency)))
                {
                    if (EpochLine().IsMatch(item.Line)) return Kill();
                }
                else if (_lines.IsCompleted) return false;
            }
        }

        /// <summary>Kills the process as soon as <paramref name="path"/> exists; false if it finished first.</summary>
        public bool KillWhenExists(string path)
        {
            while (!File.Exists(path))
            {
                // Waiting for a line doubles as the pause between looks at the folder.
                if (!_lines.TryTake(out _, TimeSpan.FromMilliseconds(1)) && _lines.IsCompleted) return File.Exists(path) && Kill();
            }
            return Kill();
        }

        public int WaitForExit()
        {
            _process.WaitForExit();
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
            _lines.Dispose();
        }

        private (string Line, long Time) Next()
        {
            if (_lines.TryTake(out var item, Timeout.Infinite)) return item;
            int code = WaitForExit();
            Assert.Fail($"the run ended (exit code {code}) before the line the test waits for: {Errors}");
            return default;
        }

        // SIGKILL, as a crash or power loss would stop it; a process that had already finished by itself counts as not killed.
        private bool Kill()
        {
            _process.Kill();
            int code = WaitForExit();
            Assert.True(code == 0 || code == (OperatingSystem.IsWindows() ? -1 : 128 + 9), $"exit code {code}: {Errors}");
            return code != 0;
        }

        [GeneratedRegex(@"^Epoch (\d+)/\d+$")]
        private static partial Regex EpochLine();

        [GeneratedRegex(@"^Resuming after epoch (\d+) from ")]
        private static partial Regex ResumingLine();
    }
}
