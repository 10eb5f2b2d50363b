using Strata.Runs;
using Strata.Layers.Core;
using Strata.Models;
using Strata.Training.Callbacks;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Formats;

/// <summary>
/// The fields of a checkpoint file, each against a value worked out by hand, and that a fit resumed
/// from the file continues with them: the learning rate a callback cut, the optimizer's step count.
/// How it is written: straight from the model's arrays, with a failed background rename still stopping the fit.
/// </summary>
public sealed class TrainingCheckpointTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    // 100 rows in batches of 32: 4 optimizer steps an epoch (32, 32, 32, 4).
    private const int Rows = 100, BatchSize = 32, StepsPerEpoch = 4;
    private const double LearningRate = 0.04;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-checkpoint-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly Strata.Tensors.Tensor X = TestSupport.Random(1, 1.0, Rows, 3), Y = TestSupport.Random(2, 1.0, Rows, 1);

    private static Sequential Model()
    {
        var model = new Sequential([new InputLayer([-1, 3]), new Dense(6, "relu"), new Dense(1)], seed: 3);
        model.Compile(new Adam(LearningRate), new MeanSquaredError());
        return model;
    }

    /// <summary>
    /// A min_delta no loss can beat: the first epoch sets the best, every later one cuts the rate in
    /// half (patience 1, no cooldown), so after e epochs it is 0.04 / 2^(e − 1).
    /// </summary>
    private static ReduceLROnPlateau Halving() => new("loss", factor: 0.5, patience: 1, minDelta: 1e9);

    [Fact]
    public void TheFileHoldsTheEpochStepCountAndCutLearningRateAndAResumedFitUsesThem()
    {
        string path = Path.Combine(_dir.FullName, TrainingCheckpoint.FileName);
        var first = Model();
        first.Fit(X, Y, BatchSize, epochs: 3, seed: 5, callbacks: [Halving(), new TrainingStateCheckpoint(path)]);

        var (state, _) = TrainingCheckpoint.Load(Model(), path);
        Assert.Equal(3, state.Epoch);
        Assert.Equal(3 * StepsPerEpoch, state.Iterations);
        Assert.Equal(LearningRate / 4, state.LearningRate);
        Assert.Equal(first.GetWeights(), state.Weights);
        // Adam's two moments for each of the four trainable variables.
        Assert.Equal(4, state.OptimizerSlots.Count);
        Assert.All(state.OptimizerSlots.Values, s => Assert.Equal(2, s.Length));
        Assert.Equal([1, 2, 3], state.History.Epochs);

        var resumed = Model();
        var rest = resumed.Fit(X, Y, BatchSize, epochs: 5, seed: 5, callbacks: [Halving(), new TrainingStateCheckpoint(path)], resume: state);
        Assert.Equal(LearningRate / 16, resumed.Optimizer!.LearningRate);
        Assert.Equal(5 * StepsPerEpoch, resumed.Optimizer.Iterations);

        var through = Model();
        var full = through.Fit(X, Y, BatchSize, epochs: 5, seed: 5, callbacks: [Halving(), new TrainingStateCheckpoint(Path.Combine(_dir.FullName, "other"))]);
        Assert.Equal(full.ToCsv(), rest.ToCsv());
        Assert.Equal(through.GetWeights(), resumed.GetWeights());
    }


    /// <summary>
    /// A model of 2.1 million weights: with Adam's two buffers a checkpoint holds about 25 MB of
    /// floats. Copying them (or building the file in memory) allocates at least that much each epoch;
    /// streamed from the model's own arrays, a checkpoint allocates its headers and JSON only.
    /// </summary>
    [Fact]
    public void ACheckpointOfALargeModelIsWrittenStraightFromItsArrays()
    {
        const int Epochs = 6;
        string path = Path.Combine(_dir.FullName, TrainingCheckpoint.FileName);
        Sequential model = null!;
        // Every thread's allocations in a whole fit, so the writes the next epoch overlaps count too.
        long Allocated(bool checkpoints)
        {
            model = new Sequential([new InputLayer([-1, 1024]), new Dense(1024, "relu"), new Dense(1024, "relu"), new Dense(1)], seed: 3);
            model.Compile(new Adam(), new MeanSquaredError());
            var (x, y) = (TestSupport.Random(1, 1.0, 16, 1024), TestSupport.Random(2, 1.0, 16, 1));
            long before = GC.GetTotalAllocatedBytes(precise: true);
            model.Fit(x, y, batchSize: 16, epochs: Epochs, seed: 5, callbacks: checkpoints ? [new TrainingStateCheckpoint(path)] : []);
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }
        Allocated(true);
        long without = Allocated(false), with = Allocated(true);

        long floats = model.Variables.Sum(v => (long)v.Value.Size) * 3;
        Assert.True(floats > 6_000_000, $"the model is too small for the test ({floats} floats)");
        Assert.True(new FileInfo(path).Length > floats * 4, "the checkpoint does not hold the weights and both Adam buffers");
        output.WriteLine($"checkpoint of {new FileInfo(path).Length} bytes; a fit of {Epochs} epochs allocated {with - without} bytes more with checkpoints");
        // All the checkpoints together allocate less than half of one copy of the state.
        Assert.True(with - without < floats * 4 / 2, $"{Epochs} checkpoints of {floats * 4} bytes allocated {with - without} bytes");
    }

    [Fact]
    public void TheCheckpointInPlaceAfterTheFitHoldsTheLastEpochsWeightsAndOptimizerState()
    {
        var model = new Sequential([new InputLayer([-1, 5]), new Dense(7, "relu"), new Dense(2)], seed: 8);
        var adam = new Adam();
        model.Compile(adam, new MeanSquaredError());
        string path = Path.Combine(_dir.FullName, TrainingCheckpoint.FileName);
        model.Fit(TestSupport.Random(1, 1.0, 40, 5), TestSupport.Random(2, 1.0, 40, 2), batchSize: 8, epochs: 4, seed: 5,
            callbacks: [new TrainingStateCheckpoint(path, every: 3)]);

        var (state, _) = TrainingCheckpoint.Load(model, path);
        Assert.Equal(4, state.Epoch);
        Assert.Equal(20, state.Iterations);
        Assert.Equal(model.GetWeights(), state.Weights);
        var slots = adam.GetSlots(model.Variables);
        Assert.Equal(slots.Keys.Order(), state.OptimizerSlots.Keys.Order());
        foreach (var (name, buffers) in slots) Assert.Equal(buffers, state.OptimizerSlots[name]);
        Assert.Empty(_dir.EnumerateFiles("*.tmp-*"));
    }

    /// <summary>The rename into place runs in the background; its failure must still stop the fit, naming the file.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ACheckpointThatCannotBePutInPlaceStopsTheFitWithItsPath(int epochs)
    {
        var model = new Sequential([new InputLayer([-1, 3]), new Dense(2)], seed: 1);
        model.Compile(new Adam(), new MeanSquaredError());
        string path = Path.Combine(_dir.FullName, "taken");
        Directory.CreateDirectory(path);
        var e = Assert.Throws<StrataException>(() => model.Fit(TestSupport.Random(1, 1.0, 8, 3), TestSupport.Random(2, 1.0, 8, 2), batchSize: 4, epochs: epochs,
            callbacks: [new TrainingStateCheckpoint(path)]));
        Assert.Contains(path, e.Message);
        Assert.Empty(_dir.EnumerateFiles());
    }

    /// <summary>
    /// Fixtures/checkpoint/checkpoint.strata-state was written by the first checkpoint writer, which
    /// built each part in memory (see the README beside it): it still loads, and writing the loaded
    /// state again gives the same bytes.
    /// </summary>
    [Fact]
    public void ACheckpointFromTheFirstWriterLoadsAndIsWrittenAgainByteForByte()
    {
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "checkpoint");
        var spec = TrainingSpec.Load(Path.Combine(fixture, "spec.json"));
        var model = Sequential.FromConfig(spec.Model, spec.Seed);
        model.Compile(OptimizerRegistry.FromConfig(spec.Optimizer), LossRegistry.FromConfig(spec.Loss), spec.Metrics);
        string original = Path.Combine(fixture, TrainingCheckpoint.FileName);

        var (state, info) = TrainingCheckpoint.Load(model, original);
        Assert.Equal(2, state.Epoch);
        Assert.Equal(2, state.History.Epochs.Count);
        string again = Path.Combine(_dir.FullName, "again.strata-state");
        TrainingCheckpoint.Save(model, state, again, info);
        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(again));
    }
}
