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
public sealed partial class ResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-resume-").FullName;
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public ResumeTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteSpec(int epochs, JsonArray? callbacks = null, bool fullWidth = false)
    {
        var spec = fullWidth ? Cli.CliRunner.RedWineSpec(epochs) : Cli.CliRunner.SmallRedWineSpec(epochs);
        if (callbacks is not null) spec["fit"]!["callbacks"] = callbacks;
        string path = Path.Combine(_dir, $"spec-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, spec.ToJsonString());
        return path;
    }

    private static float[] Weights(string directory) => Sequential.Load(Path.Combine(directory, "model.strata")).GetWeights().SelectMany(w => w).ToArray();

    [Fact]
    public void AFitResumedFromACapturedStateEndsLikeOneThatRanThrough()
    {
        Sequential Model() => new([new InputLayer([-1, 6]), new Dense(16, "relu"), new Dropout(0.3), new BatchNormalization(), new Dense(1)], seed: 4);
        var x = TestSupport.Random(1, 1.0, 300, 6);
        var y = TestSupport.Random(2, 1.0, 300, 1);
        var through = Model();
        through.Compile(new Adam(), new MeanSquaredError());
        var full = through.Fit(x, y, batchSize: 32, epochs: 6, seed: 9, callbacks: [new EarlyStopping("loss", patience: 10)]);

        var first = Model();
        first.Compile(new Adam(), new MeanSquaredError());
        TrainingState? saved = null;
        first.Fit(x, y, batchSize: 32, epochs: 6, seed: 9, callbacks: [new EarlyStopping("loss", patience: 10), new CaptureAt(3, s => saved = s)]);
        var second = Model();
        second.Compile(new Adam(), new MeanSquaredError());
        var resumed = second.Fit(x, y, batchSize: 32, epochs: 6, seed: 9, callbacks: [new EarlyStopping("loss", patience: 10), new CaptureAt(-1, _ => { })], resume: saved);

        Assert.Equal(full.ToCsv(), resumed.ToCsv());
        Assert.Equal(through.GetWeights(), second.GetWeights());
    }

    [Fact]
    public void AnInterruptStopsAfterTheBatchWithoutRecordingTheUnfinishedEpochAndTheRunResumesExactly()
    {
        Sequential Model() => new([new InputLayer([-1, 6]), new Dense(16, "relu"), new Dropout(0.3), new Dense(1)], seed: 4);
        var x = TestSupport.Random(1, 1.0, 300, 6);
        var y = TestSupport.Random(2, 1.0, 300, 1);
        var through = Model();
        through.Compile(new Adam(), new MeanSquaredError());
        var full = through.Fit(x, y, batchSize: 32, epochs: 5, seed: 9);

        var interrupted = Model();
        interrupted.Compile(new Adam(), new MeanSquaredError());
        TrainingState? saved = null;
        var partial = interrupted.Fit(x, y, batchSize: 32, epochs: 5, seed: 9, callbacks: [new CaptureAt(2, s => saved = s), new InterruptAt(epoch: 2, batch: 3)]);
        Assert.True(partial.Interrupted);
        Assert.Equal([1, 2], partial.Epochs);

        var resumed = Model();
        resumed.Compile(new Adam(), new MeanSquaredError());
        var rest = resumed.Fit(x, y, batchSize: 32, epochs: 5, seed: 9, callbacks: [new CaptureAt(-1, _ => { }), new InterruptAt(-1, -1)], resume: saved);
        Assert.False(rest.Interrupted);
        Assert.Equal(full.ToCsv(), rest.ToCsv());
        Assert.Equal(through.GetWeights(), resumed.GetWeights());
    }

    [Fact]
    public void AnInterruptedRunWritesWhatItHasAndSaysSo()
    {
        var spec = TrainingSpec.Load(WriteSpec(3));
        string run = Path.Combine(_dir, "run");
        var result = TrainingRun.Execute(spec, run, checkpoints: new TrainingRun.Checkpoints(), cancellationToken: new CancellationToken(canceled: true));
        Assert.True(result.Interrupted);
        Assert.Empty(result.History.Epochs);
        Assert.True(File.Exists(Path.Combine(run, "model.strata")));
        Assert.False(File.Exists(Path.Combine(run, TrainingCheckpoint.FileName)));
    }

    private sealed class InterruptAt(int epoch, int batch) : Callback
    {
        private int _epoch;

        public override void OnEpochBegin(int e, int epochs) => _epoch = e;

        public override void OnBatchEnd(int b, int batches, double batchLoss, double meanLoss)
        {
            if (_epoch == epoch && b == batch) Fit!.RequestInterrupt();
        }
    }

    private sealed class CaptureAt(int epochs, Action<TrainingState> take) : Callback
    {
        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            if (epoch + 1 == epochs) take(Fit!.CaptureTrainingState(epoch + 1));
        }
    }

    [Fact]
    public void TrainingAgainWithResumeAfterMoreEpochsMatchesOneLongRun()
    {
        var callbacks = new JsonArray(new JsonObject { ["class_name"] = "ReduceLROnPlateau", ["config"] = new JsonObject { ["patience"] = 1, ["factor"] = 0.5 } });
        var spec = TrainingSpec.Load(WriteSpec(5, callbacks));
        TrainingRun.Execute(spec, Path.Combine(_dir, "long"), checkpoints: new TrainingRun.Checkpoints());
        spec.Epochs = 2;
        // The first part prints progress and the second does not: stateless callbacks may differ.
        TrainingRun.Execute(spec, Path.Combine(_dir, "short"), new StringWriter(), checkpoints: new TrainingRun.Checkpoints());
        spec.Epochs = 5;
        TrainingRun.Execute(spec, Path.Combine(_dir, "short"), checkpoints: new TrainingRun.Checkpoints(Resume: true));
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "long", "history.csv")), File.ReadAllText(Path.Combine(_dir, "short", "history.csv")));
        Assert.Equal(Weights(Path.Combine(_dir, "long")), Weights(Path.Combine(_dir, "short")));
    }

    [Fact]
    public void DivergenceNamesTheEpochAndBatchAndKeepsTheLastGoodCheckpoint()
    {
        // Plain SGD at 0.003 on the unscaled Concrete data, seed 2: the loss becomes infinite in epoch 2.
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestSupport.RepositoryRoot, "examples", "concrete.json")))!.AsObject();
        json["data"]!["path"] = Path.Combine(TestSupport.RepositoryRoot, "data", "concrete.csv");
        json["compile"]!["optimizer"] = new JsonObject { ["class_name"] = "SGD", ["config"] = new JsonObject { ["learning_rate"] = 0.003 } };
        json["fit"]!["seed"] = 2;
        string path = Path.Combine(_dir, "concrete.json");
        File.WriteAllText(path, json.ToJsonString());
        var spec = TrainingSpec.Load(path);
        string run = Path.Combine(_dir, "diverged");
        var e = Assert.Throws<StrataException>(() => TrainingRun.Execute(spec, run, checkpoints: new TrainingRun.Checkpoints()));
        Assert.Contains("at epoch 2, batch 2", e.Message);
        Assert.Contains("The last good checkpoint, after epoch 1", e.Message);
        var model = Sequential.FromConfig(spec.Model, spec.Seed);
        var (state, _) = TrainingCheckpoint.Load(model, Path.Combine(run, TrainingCheckpoint.FileName));
        Assert.Equal(1, state.Epoch);
        Assert.All(state.History["loss"], v => Assert.True(double.IsFinite(v)));

        var again = Assert.Throws<StrataException>(() => TrainingRun.Execute(spec, run, checkpoints: new TrainingRun.Checkpoints(Resume: true)));
        Assert.Contains("at epoch 2, batch 2", again.Message);
        Assert.Contains("The checkpoint it resumed from (after epoch 1) is left as it was", again.Message);
    }

    [Fact]
    public void ACheckpointOfAnotherModelIsRefusedByName()
    {
        var spec = TrainingSpec.Load(WriteSpec(1));
        TrainingRun.Execute(spec, Path.Combine(_dir, "run"), checkpoints: new TrainingRun.Checkpoints());
        spec.Seed = 77;
        var e = Assert.Throws<StrataException>(() => TrainingRun.Execute(spec, Path.Combine(_dir, "run"), checkpoints: new TrainingRun.Checkpoints(Resume: true)));
        Assert.Contains("checkpoint was written for another seed", e.Message);
    }

    [Fact]
    public void ADamagedCheckpointIsAClearError()
    {
        var spec = TrainingSpec.Load(WriteSpec(1));
        string run = Path.Combine(_dir, "run");
        TrainingRun.Execute(spec, run, checkpoints: new TrainingRun.Checkpoints());
        string path = Path.Combine(run, TrainingCheckpoint.FileName);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<StrataException>(() => TrainingRun.Execute(spec, run, checkpoints: new TrainingRun.Checkpoints(Resume: true)));
        Assert.Contains(TrainingCheckpoint.FileName, e.Message);
    }
}
