using Strata.Layers.Core;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Training;
using Strata.Training.Callbacks;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;

namespace Strata.Tests.Training;

/// <summary>
/// A fit as its own object: stopping it with a cancellation token (the path Ctrl-C takes), running
/// it once, and what a later fit of the same model starts from.
/// </summary>
public sealed class FitLoopTests
{
    // 300 rows in batches of 32: 10 optimizer steps an epoch (nine of 32, one of 12).
    private const int Rows = 300, BatchSize = 32, StepsPerEpoch = 10;

    private static readonly Strata.Tensors.Tensor X = TestSupport.Random(1, 1.0, Rows, 6), Y = TestSupport.Random(2, 1.0, Rows, 1);

    private static Sequential Model()
    {
        var model = new Sequential([new InputLayer([-1, 6]), new Dense(16, "relu"), new Dropout(0.3), new Dense(1)], seed: 4);
        model.Compile(new Adam(), new MeanSquaredError());
        return model;
    }

    [Fact]
    public void ATokenCancelledAfterTheSecondEpochEndsTheFitWithTheWeightsOfATwoEpochRun()
    {
        var cancelled = Model();
        using var source = new CancellationTokenSource();
        var history = cancelled.Fit(X, Y, BatchSize, epochs: 5, seed: 9, callbacks: [new CancelAt(source, epoch: 1, batch: null)], cancellationToken: source.Token);

        Assert.Equal([1, 2], history.Epochs);
        Assert.True(history.Interrupted);
        Assert.Equal(2 * StepsPerEpoch, cancelled.Optimizer!.Iterations);

        var twoEpochs = Model();
        var reference = twoEpochs.Fit(X, Y, BatchSize, epochs: 2, seed: 9);
        Assert.False(reference.Interrupted);
        Assert.Equal(reference.ToCsv(), history.ToCsv());
        Assert.Equal(twoEpochs.GetWeights(), cancelled.GetWeights());
    }

    [Fact]
    public void ATokenCancelledInABatchStopsAfterThatBatchAsAnInterruptRequestDoes()
    {
        var cancelled = Model();
        using var source = new CancellationTokenSource();
        var history = cancelled.Fit(X, Y, BatchSize, epochs: 5, seed: 9, callbacks: [new CancelAt(source, epoch: 2, batch: 3)], cancellationToken: source.Token);

        var interrupted = Model();
        var reference = interrupted.Fit(X, Y, BatchSize, epochs: 5, seed: 9, callbacks: [new CancelAt(null, epoch: 2, batch: 3)]);

        // Two whole epochs and four batches of the third, which is not recorded.
        Assert.Equal([1, 2], history.Epochs);
        Assert.True(history.Interrupted);
        Assert.Equal(2 * StepsPerEpoch + 4, cancelled.Optimizer!.Iterations);
        Assert.True(reference.Interrupted);
        Assert.Equal(reference.ToCsv(), history.ToCsv());
        Assert.Equal(interrupted.GetWeights(), cancelled.GetWeights());
    }

    [Fact]
    public void ATokenCancelledBeforeTheFitTrainsNothingAndStillEndsTheCallbacks()
    {
        var model = Model();
        var before = model.GetWeights();
        var ends = new CancelAt(null, epoch: -1, batch: null);
        var history = model.Fit(X, Y, BatchSize, epochs: 3, callbacks: [ends], cancellationToken: new CancellationToken(canceled: true));

        Assert.Empty(history.Epochs);
        Assert.True(history.Interrupted);
        Assert.Equal(0, model.Optimizer!.Iterations);
        Assert.Equal(before, model.GetWeights());
        Assert.Equal(1, ends.TrainEnds);
    }

    [Fact]
    public void AFitRunsOnceAndItsStateIsItsOwn()
    {
        var model = Model();
        var stop = new EarlyStopping("loss", minDelta: 1e9, patience: 1);
        var fit = new FitLoop(model, X, Y, BatchSize, epochs: 6, seed: 9, callbacks: [stop]);
        var history = fit.Run();
        // The first epoch sets the best; no later one beats it by 1e9, so the second stops the fit.
        Assert.Equal([1, 2], history.Epochs);
        Assert.True(fit.StopTraining);
        Assert.Same(fit, stop.Fit);
        Assert.Same(history, fit.History);
        Assert.Contains("runs once", Assert.Throws<StrataException>(() => fit.Run()).Message);
        Assert.Contains("no fit in progress", Assert.Throws<StrataException>(() => fit.CaptureTrainingState(2)).Message);

        // The stop belonged to that fit: the model's next fit trains all its epochs.
        Assert.Equal([1, 2, 3], model.Fit(X, Y, BatchSize, epochs: 3, seed: 9).Epochs);
    }

    [Fact]
    public void AnUnseededFitShufflesWithTheModelsSeedFirstAndANewOrderAfterwards()
    {
        int[] FirstOrder(Sequential model, int? seed)
        {
            int[] order = [];
            model.Fit(X, Y, BatchSize, epochs: 1, seed: seed, callbacks: [new TakeOrder(o => order = o)]);
            return order;
        }
        var model = Model();
        var first = FirstOrder(model, null);
        Assert.Equal(FirstOrder(Model(), seed: 4), first);
        var second = FirstOrder(model, null);
        Assert.Equal(Enumerable.Range(0, Rows), second.Order());
        Assert.NotEqual(first, second);
    }

    /// <summary>Cancels <paramref name="source"/> (or, without one, asks the fit to stop) after a batch, or at the end of an epoch when <paramref name="batch"/> is null.</summary>
    private sealed class CancelAt(CancellationTokenSource? source, int epoch, int? batch) : Callback
    {
        private int _epoch;

        public int TrainEnds { get; private set; }

        public override void OnEpochBegin(int e, int epochs) => _epoch = e;

        public override void OnBatchEnd(int b, int batches, double batchLoss, double meanLoss)
        {
            if (_epoch == epoch && b == batch) Stop();
        }

        public override void OnEpochEnd(int e, IReadOnlyDictionary<string, double> logs)
        {
            if (e == epoch && batch is null) Stop();
        }

        public override void OnTrainEnd() => TrainEnds++;

        private void Stop()
        {
            if (source is null) Fit!.RequestInterrupt();
            else source.Cancel();
        }
    }

    /// <summary>The row order the first epoch trained in.</summary>
    private sealed class TakeOrder(Action<int[]> take) : Callback
    {
        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => take(Fit!.CaptureTrainingState(epoch + 1).Order);
    }
}
