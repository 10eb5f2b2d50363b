using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Strata.Advice;
using Strata.Distributed;
using Strata.Runs;
using Strata.Models;
using Strata.Tensors;
using Strata.Formats;

namespace Strata.Cli;

/// <summary>strata train: the command line of <see cref="TrainingRun.Execute"/>, with Ctrl-C and the hints that name its options.</summary>
internal sealed partial class StrataCommand
{
    private Command TrainCommand()
    {
        var spec = new Argument<string>("SPEC.json") { Description = "The training spec: data, model (a Keras Sequential config), compile and fit." };
        var (epochs, limit) = SpecOverrides("train");
        var seed = Int("--seed", "N", "The seed of the weights, dropout masks and shuffling; the same seed gives the same history.csv.", "the spec's fit.seed");
        var outDir = Text("--out", "DIR", "The folder the run writes.", "runs/<spec name>, or the first free runs/<spec name>-2, -3, ...");
        var resume = Text("--resume", "DIR", "Continue the run in DIR from its checkpoint (or start it there), ending as an uninterrupted run would.", "none (a new run)");
        var overwrite = Flag("--overwrite", "Replace the run DIR holds (its files are removed first).");
        var noLint = Flag("--no-lint", "Do not print the linter's findings first.");
        var every = Int("--checkpoint-every", "N", "Write the whole training state to DIR/checkpoint.strata-state every N epochs (0: never).", 1,
            minimum: 0, expects: "0 (no checkpoints) or a positive number of epochs");
        var dropInvalid = Flag("--drop-invalid-rows", "Skip CSV rows with empty, non-numeric, NaN or infinite values, and count them.");
        var ranks = Int("--ranks", "N", "Train with N ranks on this machine: runs this command under Open MPI's mpirun, each batch shared among the ranks.", 1,
            minimum: 1, expects: "a positive number of ranks");
        var initial = Text("--initial-weights", "FILE", "Start from the weights of a model file (.strata, Keras .h5 or .keras) with the spec's layers, to fine-tune it; a layer it marks trainable: false stays frozen.", "the initializers");
        var command = With(NewCommand("train", "Train the model a spec describes into runs/<name>.",
            """
            Train the model a spec describes; writes history.csv, learning-curves.svg, model.strata and checkpoint.strata-state to DIR. Without --out, DIR is runs/<spec name>, or the first free runs/<spec name>-2, -3, ... when that holds a run. A DIR that already holds a run is refused unless --resume DIR continues it or --overwrite replaces it (its old files are removed first); a DIR that another train is writing is refused at once. An image set's test accuracy is printed at the end. The lint findings are printed first.
            Ctrl-C stops after the current batch, writes what the run has and prints the command that continues it; a second Ctrl-C ends it at once.
            With several ranks (--ranks N, or mpirun -np N strata train ...), each batch is shared among them and rank 0 writes the run; --resume continues it with any number of ranks.
            """), spec, epochs, seed, outDir, resume, overwrite, limit, noLint, every, dropInvalid, initial, ranks);
        command.SetAction(parsed =>
        {
            Exclusive(parsed, overwrite, resume, "one replaces the run, the other continues it.");
            string? outPath = parsed.GetValue(outDir), resumePath = parsed.GetValue(resume);
            if (resumePath is not null && outPath is not null && Path.GetFullPath(resumePath) != Path.GetFullPath(outPath))
                throw new UsageException("Options --resume DIR and --out DIR name different folders; a resumed run writes where it started.");
            string specPath = parsed.GetValue(spec)!;
            var training = TrainingSpec.Load(specPath);
            if (parsed.GetValue(epochs) is int e) training.Epochs = e;
            if (parsed.GetValue(seed) is int s) training.Seed = s;
            if (parsed.GetValue(limit) is int l) training.Limit = l;
            if (parsed.GetValue(dropInvalid)) training.DropInvalidRows = true;
            training.InitialWeights = parsed.GetValue(initial);
            if (parsed.GetValue(ranks) > 1) return TrainOnRanks(parsed.GetValue(ranks), training, outPath, resumePath, parsed.GetValue(overwrite));
            return Train(training, specPath, outPath, resumePath, parsed.GetValue(overwrite), !parsed.GetValue(noLint), parsed.GetValue(every));
        });
        return command;
    }

    private int Train(TrainingSpec spec, string specPath, string? outDir, string? resumeDir, bool overwrite, bool lint, int checkpointEvery)
    {
        // Started by Open MPI's mpirun: every rank trains its share of each batch; rank 0 alone prints and writes the run.
        using var ranks = OpenMpiCommunicator.Launched ? OpenMpiCommunicator.Create() : null;
        if (ranks is { Rank: > 0 }) return TrainShare(spec, ranks, resumeDir);
        string defaultDirectory = Path.Combine("runs", spec.Name);
        // Without --out a new run goes to the first free runs/<name>, runs/<name>-2, ... and says so.
        string directory = resumeDir ?? outDir ?? (overwrite ? defaultDirectory : RunDirectory.NextFree(defaultDirectory));
        // Refused before the data is read; training checks again while it holds the folder's lock.
        WithRunHints(directory, () => RunDirectory.Check(directory, resumeDir is not null, overwrite));
        var data = SpecData.Load(spec);
        if (TrainingRunText.Dropped(data) is string dropped) _output.WriteLine(dropped);
        if (lint)
        {
            var findings = SpecLinter.Lint(spec, SpecLinter.ContextFor(spec, data) with { Ranks = ranks?.Size });
            if (findings.Count > 0)
                _output.Write(LintReport.ToText(findings, $"lint {specPath}", brief: true) + "  (details: strata lint " + specPath + "; silence: --no-lint)\n\n");
        }
        if (resumeDir is null && outDir is null && directory != defaultDirectory)
            _output.WriteLine($"{defaultDirectory} already holds a run; this one goes to {directory} (--out DIR chooses the folder, --overwrite replaces {defaultDirectory}).");
        _output.WriteLine(TrainingRunText.Starting(spec, Compute.Threads));
        if (ranks is { Size: > 1 }) _output.WriteLine($"Each batch is shared among {ranks.Size} ranks (mpirun); rank 0 prints and writes the run.");
        var clock = Stopwatch.StartNew();
        int interrupts = 0;
        bool training = false;
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // The first Ctrl-C finishes the batch and saves; a second one ends the process at once.
            if (Interlocked.Increment(ref interrupts) > 1 || !Volatile.Read(ref training)) return;
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        // mpirun passes this signal on to every rank (strata train --ranks sends it on Ctrl-C).
        using var rankStop = ranks is not null ? PosixSignalRegistration.Create((PosixSignal)MpiRun.StopSignal, c => { c.Cancel = true; stop.Cancel(); }) : null;
        TrainingRun.Result result;
        try
        {
            result = WithRunHints(directory, () => TrainingRun.Execute(spec, directory, _output, interactive: !Console.IsOutputRedirected && _output == Console.Out, data: data,
                checkpoints: new TrainingRun.Checkpoints(checkpointEvery, Resume: resumeDir is not null, Started: _ => Volatile.Write(ref training, true)), overwrite: overwrite,
                cancellationToken: stop.Token, communicator: ranks));
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (result.Interrupted)
        {
            _output.WriteLine($"Interrupted after epoch {result.History.Epochs.Count}. Wrote what it had to {directory}; "
                + (checkpointEvery > 0 ? $"continue exactly with: {ResumeCommand.Format(ranks is { Size: > 1 } ? ["mpirun", "-np", $"{ranks.Size}", .. Invocation.Launcher(_arguments)] : Invocation.Launcher(_arguments), _arguments, directory)}" : "there is no checkpoint (--checkpoint-every 0)."));
            return CommandLine.Interrupted;
        }
        _output.Write(TrainingRunText.Finished(result, clock.Elapsed));
        return CommandLine.Success;
    }

    /// <summary>
    /// A rank other than 0: trains its share of every batch, prints nothing and keeps no files; resuming, it
    /// reads the checkpoint rank 0 continues from (rank 0 replaces it only after an epoch every rank has trained).
    /// </summary>
    private static int TrainShare(TrainingSpec spec, ICommunicator ranks, string? resumeDir)
    {
        using var stop = new CancellationTokenSource();
        using var rankStop = PosixSignalRegistration.Create((PosixSignal)MpiRun.StopSignal, c => { c.Cancel = true; stop.Cancel(); });
        string scratch = Directory.CreateTempSubdirectory($"strata-rank-{ranks.Rank}-").FullName;
        try
        {
            var checkpoints = new TrainingRun.Checkpoints(Every: 0, Resume: resumeDir is not null,
                ResumeFrom: resumeDir is null ? null : Path.Combine(resumeDir, TrainingCheckpoint.FileName));
            TrainingRun.Execute(spec, scratch, progress: null, checkpoints: checkpoints, cancellationToken: stop.Token, communicator: ranks);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
        return CommandLine.Success;
    }

    /// <summary>
    /// strata train --ranks N: this command, without --ranks and with the run's folder named, under mpirun. The
    /// folder is chosen here, so that a run whose ranks were lost can be continued from its checkpoint.
    /// </summary>
    private int TrainOnRanks(int ranks, TrainingSpec spec, string? outDir, string? resumeDir, bool overwrite)
    {
        if (OpenMpiCommunicator.Launched)
            throw new UsageException("Option --ranks starts mpirun itself; a command that mpirun starts leaves it out.");
        string defaultDirectory = Path.Combine("runs", spec.Name);
        string directory = resumeDir ?? outDir ?? (overwrite ? defaultDirectory : RunDirectory.NextFree(defaultDirectory));
        WithRunHints(directory, () => RunDirectory.Check(directory, resumeDir is not null, overwrite));
        var arguments = new List<string>();
        for (int i = 0; i < _arguments.Length; i++)
        {
            if (_arguments[i] == "--ranks") { i++; continue; }
            if (!_arguments[i].StartsWith("--ranks=", StringComparison.Ordinal)) arguments.Add(_arguments[i]);
        }
        if (resumeDir is null && outDir is null) arguments.AddRange(["--out", directory]);
        using var job = MpiRun.Start(ranks, [.. Invocation.Self(), .. arguments]);
        // The first Ctrl-C asks the ranks to stop together after a batch and write the run; a second one ends them at once.
        int interrupts = 0;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            if (Interlocked.Increment(ref interrupts) == 1) job.Stop();
            else job.End();
        };
        Console.CancelKeyPress += onCancel;
        int code;
        try
        {
            code = job.WaitForExit();
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (code is CommandLine.Success or CommandLine.Interrupted) return code;
        bool checkpoint = File.Exists(Path.Combine(directory, TrainingCheckpoint.FileName));
        _output.WriteLine($"The ranks stopped: mpirun exited with code {code}; its message above names the rank that failed or was lost. "
            + (checkpoint ? $"Continue from the last checkpoint, with this or another number of ranks: {ResumeCommand.Format(Invocation.Launcher(_arguments), _arguments, directory)}"
                : $"No checkpoint was written to {directory}."));
        return CommandLine.Failure;
    }

    /// <summary>Says which options of 'strata train' answer a folder that already holds files.</summary>
    private static T WithRunHints<T>(string directory, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ExistingRunException existing)
        {
            throw new StrataException(existing.IsRun
                ? $"'{directory}' already holds a run ({string.Join(", ", existing.Files.Take(4))}{(existing.Files.Count > 4 ? ", ..." : "")}). Continue it with --resume {directory}, replace it with --overwrite, or choose another --out."
                : $"'{directory}' is not empty and holds no run; choose another --out.", existing);
        }
    }

    private static void WithRunHints(string directory, Action action) => WithRunHints(directory, () => { action(); return 0; });
}
