using System.CommandLine;
using System.Diagnostics;
using Strata.Advice;
using Strata.Distributed;
using Strata.Runs;
using Strata.Models;
using Strata.Tensors;

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
        var initial = Text("--initial-weights", "FILE", "Start from the weights of a model file (.strata, Keras .h5 or .keras) with the spec's layers, to fine-tune it; a layer it marks trainable: false stays frozen.", "the initializers");
        var command = With(NewCommand("train", "Train the model a spec describes into runs/<name>.",
            """
            Train the model a spec describes; writes history.csv, learning-curves.svg, model.strata and checkpoint.strata-state to DIR. Without --out, DIR is runs/<spec name>, or the first free runs/<spec name>-2, -3, ... when that holds a run. A DIR that already holds a run is refused unless --resume DIR continues it or --overwrite replaces it (its old files are removed first); a DIR that another train is writing is refused at once. An image set's test accuracy is printed at the end. The lint findings are printed first.
            Ctrl-C stops after the current batch, writes what the run has and prints the command that continues it; a second Ctrl-C ends it at once.
            """), spec, epochs, seed, outDir, resume, overwrite, limit, noLint, every, dropInvalid, initial);
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
            return Train(training, specPath, outPath, resumePath, parsed.GetValue(overwrite), !parsed.GetValue(noLint), parsed.GetValue(every));
        });
        return command;
    }

    private int Train(TrainingSpec spec, string specPath, string? outDir, string? resumeDir, bool overwrite, bool lint, int checkpointEvery)
    {
        // Started by Open MPI's mpirun: every rank trains its share of each batch; rank 0 alone prints and writes the run.
        using var ranks = OpenMpiCommunicator.Launched ? OpenMpiCommunicator.Create() : null;
        if (ranks is { Size: > 1 } && resumeDir is not null)
            throw new UsageException("Option --resume continues a run in one process; several ranks cannot resume yet.");
        if (ranks is { Rank: > 0 }) return TrainShare(spec, ranks);
        string defaultDirectory = Path.Combine("runs", spec.Name);
        // Without --out a new run goes to the first free runs/<name>, runs/<name>-2, ... and says so.
        string directory = resumeDir ?? outDir ?? (overwrite ? defaultDirectory : RunDirectory.NextFree(defaultDirectory));
        // Refused before the data is read; training checks again while it holds the folder's lock.
        WithRunHints(directory, () => RunDirectory.Check(directory, resumeDir is not null, overwrite));
        var data = SpecData.Load(spec);
        if (TrainingRunText.Dropped(data) is string dropped) _output.WriteLine(dropped);
        if (lint)
        {
            var findings = SpecLinter.Lint(spec, SpecLinter.ContextFor(spec, data));
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
                + (checkpointEvery > 0 ? $"continue exactly with: {ResumeCommand.Format(Invocation.Launcher(_arguments), _arguments, directory)}" : "there is no checkpoint (--checkpoint-every 0)."));
            return CommandLine.Interrupted;
        }
        _output.Write(TrainingRunText.Finished(result, clock.Elapsed));
        return CommandLine.Success;
    }

    /// <summary>A rank other than 0: trains its share of every batch, prints nothing and keeps no files.</summary>
    private static int TrainShare(TrainingSpec spec, ICommunicator ranks)
    {
        string scratch = Directory.CreateTempSubdirectory($"strata-rank-{ranks.Rank}-").FullName;
        try
        {
            TrainingRun.Execute(spec, scratch, progress: null, checkpoints: new TrainingRun.Checkpoints(Every: 0), communicator: ranks);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
        return CommandLine.Success;
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
