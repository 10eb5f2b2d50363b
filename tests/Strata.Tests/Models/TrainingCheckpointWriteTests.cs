using Strata.IO;
using Strata.Layers.Core;
using Strata.Models;
using Strata.Training.Callbacks;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;

namespace Strata.Tests.Models;

/// <summary>How a checkpoint is written: straight from the model's arrays, with a failed background rename still stopping the fit.</summary>
public sealed class TrainingCheckpointWriteTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-checkpoint-");

    public void Dispose() => _dir.Delete(recursive: true);

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
