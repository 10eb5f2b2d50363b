using System.Text.Json.Nodes;
using Strata.Models;
using Strata.Reporting;
using Strata.Training;
using Strata.Training.Callbacks;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Strata.Formats;

namespace Strata.Runs;

/// <summary>
/// Runs a <see cref="TrainingSpec"/> end to end: reads and splits the data, builds and compiles
/// the model, trains it, and writes history.csv, learning-curves.svg and model.strata to the
/// output directory. Each file is written atomically once training has finished.
/// </summary>
public static class TrainingRun
{
    /// <summary>
    /// What a run produced; <see cref="Test"/> holds the loss and metrics on an image set's test part.
    /// <see cref="Interrupted"/> is true when the run stopped on request before its last epoch.
    /// </summary>
    public sealed record Result(Sequential Model, History History, string OutputDirectory, double BestValidationLoss, int BestEpoch,
        IReadOnlyDictionary<string, double>? Test = null, bool Interrupted = false);

    /// <summary>How a run keeps and uses checkpoints.</summary>
    /// <param name="Every">Write the training state every this many epochs (0: never).</param>
    /// <param name="Resume">Continue from the output directory's checkpoint, when there is one.</param>
    /// <param name="Started">Called with the model just before the fit starts (from then on, cancelling the run's token stops it after a batch).</param>
    /// <param name="ResumeFrom">The checkpoint to continue from when it is not the output directory's (a rank other than 0 reads rank 0's).</param>
    public sealed record Checkpoints(int Every = 1, bool Resume = false, Action<Sequential>? Started = null, string? ResumeFrom = null);

    /// <summary>
    /// Trains <paramref name="spec"/> into <paramref name="outputDirectory"/>, which is locked while the
    /// run writes it (see <see cref="RunDirectory"/>); <paramref name="data"/> is the spec's data when the
    /// caller has already read it. A folder that already holds files is refused with an
    /// <see cref="ExistingRunException"/>, unless the run resumes there or <paramref name="overwrite"/>
    /// asks to replace the run it holds. Cancelling <paramref name="cancellationToken"/> (Ctrl-C) stops
    /// the fit after its current batch; the run then writes what it has and says so in <see cref="Result.Interrupted"/>.
    /// With a <paramref name="communicator"/> of several ranks the fit is shared among them (every rank runs this
    /// with the same spec); each writes to its own <paramref name="outputDirectory"/>, so only rank 0 should be given the run's.
    /// </summary>
    public static Result Execute(TrainingSpec spec, string outputDirectory, TextWriter? progress = null, bool interactive = false, SpecData? data = null,
        Checkpoints? checkpoints = null, bool overwrite = false, CancellationToken cancellationToken = default,
        Distributed.ICommunicator? communicator = null)
    {
        checkpoints ??= new Checkpoints(Every: 0);
        data ??= SpecData.Load(spec);
        var (x, y, validation, test, featureNames) = (data.TrainX, data.TrainY, data.Validation, data.Test, data.FeatureNames);

        var model = spec.CreateModel(x.ShapeArray());
        model.FeatureNames = featureNames;
        if (spec.InitialWeights is { } initial) InitialWeights.Apply(model, initial);
        model.Compile(OptimizerRegistry.FromConfig(spec.Optimizer), LossRegistry.FromConfig(spec.Loss), spec.Metrics);

        using var directory = RunDirectory.Open(outputDirectory, checkpoints.Resume, overwrite);
        var callbacks = spec.CreateCallbacks(outputDirectory);
        if (progress is not null) callbacks.Insert(0, new ProgressLogger(progress, interactive));
        var nan = callbacks.OfType<TerminateOnNaN>().FirstOrDefault();
        if (nan is null) callbacks.Add(nan = new TerminateOnNaN());
        string checkpointPath = Path.Combine(outputDirectory, TrainingCheckpoint.FileName), resumePath = checkpoints.ResumeFrom ?? checkpointPath;
        // What must match for a resumed run to continue this one: the model, the data, the seed, the batch size.
        var info = new JsonObject
        {
            ["model"] = spec.Model.DeepClone(), ["data"] = spec.Source["data"]?.DeepClone(),
            ["seed"] = spec.Seed, ["limit"] = spec.Limit, ["batch_size"] = spec.BatchSize,
        };
        // Written even when absent, so a resume that leaves --initial-weights out (and with it the file's frozen layers) is refused.
        info["initial_weights"] = spec.InitialWeights is null ? null : Path.GetFullPath(spec.InitialWeights);
        TrainingState? resume = null;
        if (checkpoints.Resume)
        {
            if (File.Exists(resumePath))
            {
                (resume, var saved) = TrainingCheckpoint.Load(model, resumePath);
                var different = info.Where(kv => !JsonNode.DeepEquals(kv.Value, saved?[kv.Key])).Select(kv => kv.Key).ToList();
                if (different.Count > 0)
                    throw new StrataException($"{resumePath}: the checkpoint was written for another {string.Join(", ", different)} than '{spec.SpecPath}' gives; resume with the spec and options that started the run.");
                progress?.WriteLine($"Resuming after epoch {resume.Epoch} from {resumePath}");
            }
            else progress?.WriteLine($"No checkpoint in '{outputDirectory}' yet; starting from the first epoch.");
        }
        var saver = checkpoints.Every > 0 ? new TrainingStateCheckpoint(checkpointPath, checkpoints.Every, info) : null;
        if (saver is not null) callbacks.Add(saver);
        checkpoints.Started?.Invoke(model);

        model.ReproducibleSums = spec.ReproducibleSums;
        var history = model.Fit(x, y, spec.BatchSize, spec.Epochs, validation, shuffle: spec.Shuffle, seed: spec.Seed, callbacks: callbacks, resume: resume,
            cancellationToken: cancellationToken, communicator: communicator);
        if (nan.StoppedAt is not null)
            throw new StrataException($"Training diverged: the loss became NaN or infinite at {nan.StoppedAt}. "
                + (saver?.LastSavedEpoch is int saved ? $"The last good checkpoint, after epoch {saved}, is {checkpointPath}."
                    : resume is not null ? $"The checkpoint it resumed from (after epoch {resume.Epoch}) is left as it was."
                    : $"Nothing was written to '{outputDirectory}'."));

        string key = history.Contains("val_loss") ? "val_loss" : "loss";
        IReadOnlyList<double> values = history.Contains(key) ? history[key] : [];
        int best = 0;
        for (int i = 1; i < values.Count; i++) if (values[i] < values[best]) best = i;

        AtomicFile.WriteAllText(Path.Combine(outputDirectory, "history.csv"), history.ToCsv());
        if (values.Count > 0)
            AtomicFile.WriteAllText(Path.Combine(outputDirectory, "learning-curves.svg"),
                LearningCurves.ToSvg(history, $"Learning curves: {spec.Name}", $"Loss ({model.Loss!.Name})"));
        var testResult = test is { } t ? model.Evaluate(t.X, t.Y, Math.Max(spec.BatchSize, 256), communicator) : null;
        var metadata = new TrainingMetadata { Spec = spec, Encoding = data.Encoding, Test = testResult };
        model.Save(Path.Combine(outputDirectory, "model.strata"), metadata.ToJson());
        return new Result(model, history, outputDirectory, values.Count > 0 ? values[best] : double.NaN, history.Epochs.Count > 0 ? history.Epochs[best] : 0, testResult,
            history.Interrupted);
    }
}
