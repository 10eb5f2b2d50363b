using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Strata;
using Strata.Advice;
using Strata.Autodiff;
using Strata.Data;
using Strata.IO;
using Strata.Models;
using Strata.Tensors;

namespace Strata.Cli;

/// <summary>The strata command: training, the layer-order advisor, prediction and benchmarks. Errors print one line and exit non-zero.</summary>
public static partial class CommandLine
{
    private static readonly HashSet<string> Flags = ["verbose", "help", "profile", "no-lint", "fix", "json", "list-rules", "drop-invalid-rows", "all-rows", "overwrite"];

    public const string Usage = """
        Usage: strata <command> [options]

        Commands:
          train SPEC.json [--epochs N] [--seed N] [--out DIR | --resume DIR] [--overwrite] [--limit N] [--threads N]
                [--no-lint] [--checkpoint-every N] [--drop-invalid-rows]
                Train the model a spec describes; writes history.csv, learning-curves.svg
                and model.strata to DIR. Without --out, DIR is runs/<spec name>, or the first
                free runs/<spec name>-2, -3, ... when that holds a run. A DIR that already
                holds a run is refused unless --resume DIR continues it or --overwrite
                replaces it (its old files are removed first); a DIR that another train is
                writing is refused at once. --limit keeps the first N training rows or
                images. An image set's test accuracy is printed at the end. The lint
                findings are printed first (--no-lint silences them). The whole training
                state is written to DIR/checkpoint.strata-state every N epochs (default 1;
                0: never); --resume DIR continues from it and ends exactly as an
                uninterrupted run would. Ctrl-C stops after the current batch, writes what
                the run has and prints the command that continues it; a second Ctrl-C ends
                it at once. --drop-invalid-rows skips CSV rows with empty, non-numeric, NaN
                or infinite values and counts them.
          lint SPEC.json|MODEL.strata [--fix [--output F.json] [--overwrite]] [--rules ID,...] [--min-severity info|warning|error] [--json]
                [--epochs N] [--limit N]
                Check the order and settings of the layers (Dropout, BatchNormalization,
                pooling, activations), the loss, the fit settings and the data; each finding
                says what, why, what to change and where the reasoning comes from. --fix
                writes a corrected spec named <name>-fixed (default file SPEC-fixed.json;
                an existing file is kept unless --overwrite). --list-rules lists the
                rules; --epochs and --limit lint the fit as 'train' with them would run it.
                Exits 1 when a warning or an error is left.
          diagnose SPEC.json|MODEL.strata [--data X.csv | --spec SPEC.json] [--rows N] [--json]
                Measure a model on data: per BatchNormalization layer the variance of its
                input in training with and without the dropout family (variance shift) and
                the gap between its moving and true statistics; the effect of recalibrating them on predictions;
                dead ReLU and saturated sigmoid/tanh units. A spec is trained first, in a
                temporary folder (--out DIR keeps the run; --epochs N). Uses the spec's
                training rows (at most --rows, 10000).
          compare SPEC_A.json SPEC_B.json ... [--seeds N] [--epochs N] [--limit N] [--metric KEY] [--out DIR] [--json]
                Train each spec with seeds 0..N-1 (default 3) and print the mean ± standard
                deviation of the best validation metric (default val_loss), the epoch of the
                best, the final metric with the moving and with recalibrated BatchNormalization
                statistics, and the measured variance shift.
          export MODEL.strata [--format onnx] [--output F.onnx] [--overwrite]
                Write the model's inference graph as ONNX (opset 17) for ONNX Runtime:
                dropout left out, BatchNormalization as its scale and shift, tensors
                channels-last as in Strata. A layer without an ONNX form is named.
          evaluate MODEL.strata --data X.csv|IDX-DIRECTORY
                The loss and metrics on a CSV holding the model's target column, or on the
                test images of a Fashion-MNIST directory.
          summary SPEC.json|MODEL.strata
                Print the model's layers, output shapes and parameter counts.
          predict MODEL.strata --input X.csv [--output Y.csv [--overwrite]] [--mc-samples N [--seed S]]
                Write the model's outputs for every row of X.csv (columns chosen by name
                when the model knows its feature names). With --mc-samples, Monte-Carlo
                dropout: N passes with dropout active, writing each output's mean and
                standard deviation (output_0, output_0_std, ...).
          recalibrate MODEL.strata --data X.csv [--batches N] [--batch-size B] [--output F.strata] [--overwrite] [--all-rows]
                Recompute every BatchNormalization layer's moving statistics from the
                data with the final weights (precise BN), into a new model file (default
                MODEL.recalibrated.strata beside MODEL, which stays as it was). When the data holds the training
                target and the model's spec split off validation rows, recalibrates on the
                training rows and reports the validation loss before and after.
          bench WORKLOAD [--epochs N] [--limit N] [--data DIR] [--fashion DIR] [--seed N] [--profile]
                [--width N] [--batch-size N]
                Time a benchmark workload (peak, gemm, redwine, redwine-infer, fashion-cnn)
                and print one JSON object per result, with the fields of the PyTorch
                reference. --profile adds the time spent in each graph node; --width and
                --batch-size change the redwine model's layer width and batch size.
          help  Show this text.

        Options for every command: --verbose (show stack traces), --threads N.
        No command writes onto its own input, and an existing file or run is replaced
        only with --overwrite.
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        bool verbose = args.Contains("--verbose");
        try
        {
            if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
            {
                output.WriteLine(Usage);
                return args.Length == 0 ? 1 : 0;
            }
            var a = new Arguments(args.Skip(1), Flags);
            a.Flag("verbose");
            if (a.Int("threads") is int threads) Compute.Threads = threads;
            return args[0] switch
            {
                "train" => Train(a, output, args),
                "summary" => Summary(a, output),
                "predict" => Predict(a, output),
                "recalibrate" => Recalibrate(a, output),
                "evaluate" => Evaluate(a, output),
                "bench" => Bench(a, output),
                "export" => Export(a, output),
                "lint" => AdviceCommands.Lint(a, output),
                "diagnose" => AdviceCommands.Diagnose(a, output),
                "compare" => AdviceCommands.Compare(a, output),
                _ => throw new StrataException($"Unknown command '{args[0]}'. Commands: train, lint, diagnose, compare, summary, predict, evaluate, recalibrate, export, bench, help."),
            };
        }
        catch (Exception e) when (e is StrataException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            if (verbose) error.WriteLine(e);
            return 1;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: internal error ({e.GetType().Name}): {e.Message}. Run again with --verbose for details.");
            if (verbose) error.WriteLine(e);
            return 2;
        }
    }

    private static int Train(Arguments a, TextWriter output, string[] rawArguments)
    {
        int? epochs = a.Int("epochs"), seed = a.Int("seed"), limit = a.Int("limit");
        string? outDir = a.String("out"), resumeDir = a.String("resume");
        int checkpointEvery = a.Int("checkpoint-every") ?? 1;
        bool lint = !a.Flag("no-lint"), dropInvalid = a.Flag("drop-invalid-rows"), overwrite = a.Flag("overwrite");
        a.Finish("train", 1);
        if (overwrite && resumeDir is not null) throw new StrataException("Options --overwrite and --resume contradict each other: one replaces the run, the other continues it.");
        if (checkpointEvery < 0) throw new StrataException($"Option --checkpoint-every expects 0 (no checkpoints) or a positive number of epochs. Received: {checkpointEvery}");
        if (resumeDir is not null && outDir is not null && Path.GetFullPath(resumeDir) != Path.GetFullPath(outDir))
            throw new StrataException("Options --resume DIR and --out DIR name different folders; a resumed run writes where it started.");
        var spec = TrainingSpec.Load(a.Positional[0]);
        if (epochs is int e)
        {
            if (e < 1) throw new StrataException($"Option --epochs expects a positive integer. Received: {e}");
            spec.Epochs = e;
        }
        if (seed is int s) spec.Seed = s;
        if (limit is int l)
        {
            if (l < 1) throw new StrataException($"Option --limit expects a positive integer. Received: {l}");
            spec.Limit = l;
        }
        string defaultDirectory = Path.Combine("runs", spec.Name);
        // Without --out a new run goes to the first free runs/<name>, runs/<name>-2, ... and says so.
        string directory = resumeDir ?? outDir ?? (overwrite ? defaultDirectory : RunDirectory.NextFree(defaultDirectory));
        if (dropInvalid) spec.DropInvalidRows = true;
        // Refused before the data is read; training checks again while it holds the folder's lock.
        WithRunHints(directory, () => RunDirectory.Check(directory, resumeDir is not null, overwrite));
        var data = SpecData.Load(spec);
        if (data.DroppedRows.Count > 0)
            output.WriteLine($"Dropped {data.DroppedRows.Count} row{(data.DroppedRows.Count == 1 ? "" : "s")} with invalid values; the first: {data.DroppedRows.First}");
        if (lint)
        {
            var findings = SpecLinter.Lint(spec, SpecLinter.ContextFor(spec, data));
            if (findings.Count > 0)
                output.Write(LintReport.ToText(findings, $"lint {a.Positional[0]}", brief: true) + "  (details: strata lint " + a.Positional[0] + "; silence: --no-lint)\n\n");
        }
        if (resumeDir is null && outDir is null && directory != defaultDirectory)
            output.WriteLine($"{defaultDirectory} already holds a run; this one goes to {directory} (--out DIR chooses the folder, --overwrite replaces {defaultDirectory}).");
        output.WriteLine($"Training '{spec.Name}' on {spec.Dataset ?? Path.GetFileName(spec.DataPath)}{(spec.Limit is int n ? $" (first {n} rows)" : "")} for {spec.Epochs} epochs (seed {spec.Seed}, {Compute.Threads} threads)");
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
            result = WithRunHints(directory, () => TrainingRun.Execute(spec, directory, output, interactive: !Console.IsOutputRedirected && output == Console.Out, data: data,
                checkpoints: new TrainingRun.Checkpoints(checkpointEvery, Resume: resumeDir is not null, Started: _ => Volatile.Write(ref training, true)), overwrite: overwrite,
                cancellationToken: stop.Token));
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (result.Interrupted)
        {
            output.WriteLine($"Interrupted after epoch {result.History.Epochs.Count}. Wrote what it had to {directory}; "
                + (checkpointEvery > 0 ? $"continue exactly with: {ResumeCommand.Format(Invocation.Launcher(rawArguments), rawArguments, directory)}" : "there is no checkpoint (--checkpoint-every 0)."));
            return 130;
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Done in {clock.Elapsed.TotalSeconds:F1}s. Best {(result.History.Contains("val_loss") ? "val_loss" : "loss")}: {result.BestValidationLoss:F4} at epoch {result.BestEpoch}."));
        if (result.Test is { } test)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Test: {string.Join(", ", test.Select(kv => $"{kv.Key} {kv.Value:F4}"))}"));
        output.WriteLine($"Wrote {Path.Combine(directory, "history.csv")}, {Path.Combine(directory, "learning-curves.svg")}, {Path.Combine(directory, "model.strata")}");
        return 0;
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

    private static int Summary(Arguments a, TextWriter output)
    {
        a.Finish("summary", 1);
        string path = a.Positional[0];
        Sequential model;
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            var spec = TrainingSpec.Load(path);
            model = spec.CreateModel(SpecData.Load(spec).TrainX.ShapeArray());
        }
        else
        {
            model = Sequential.Load(path);
        }
        output.Write(model.Summary());
        return 0;
    }

    private static int Bench(Arguments a, TextWriter output)
    {
        int epochs = a.Int("epochs") ?? 3, limit = a.Int("limit") ?? 60000, seed = a.Int("seed") ?? 0;
        int width = a.Int("width") ?? 1024, batchSize = a.Int("batch-size") ?? 256;
        string data = a.String("data") ?? "data", fashion = a.String("fashion") ?? Datasets.FashionMnistDirectory;
        bool profile = a.Flag("profile");
        a.Finish("bench", 1);
        if (epochs < 1 || limit < 1 || width < 1 || batchSize < 1)
            throw new StrataException("Options --epochs, --limit, --width and --batch-size of 'strata bench' expect positive integers.");
        NodeTimings.Enabled = profile;
        Benchmarks.Run(a.Positional[0], epochs, limit, data, fashion, seed, output, width, batchSize);
        if (profile) WriteProfile(output);
        return 0;
    }

    private static void WriteProfile(TextWriter output)
    {
        var timings = NodeTimings.Collect();
        double total = timings.Sum(t => t.ForwardMilliseconds + t.BackwardMilliseconds);
        output.WriteLine($"{"node",-22} {"shape",-20} {"forward ms",12} {"backward ms",12} {"share",7}");
        foreach (var t in timings.Take(30))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{t.Node,-22} {t.Shape,-20} {t.ForwardMilliseconds,12:F1} {t.BackwardMilliseconds,12:F1} {(t.ForwardMilliseconds + t.BackwardMilliseconds) / total,7:P1}"));
    }

}
