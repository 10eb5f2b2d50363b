using Strata.Layers.Core;
using Strata.Models;
using Strata.Training.Callbacks;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;

namespace Strata.Tests.Models;

/// <summary>
/// The fields of a checkpoint file, each against a value worked out by hand, and that a fit resumed
/// from the file continues with them: the learning rate a callback cut, the optimizer's step count.
/// </summary>
public sealed class TrainingCheckpointTests : IDisposable
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
}
