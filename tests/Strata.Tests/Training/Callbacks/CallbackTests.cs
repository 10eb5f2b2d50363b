using Strata.Layers.Core;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Callbacks;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;
using Strata.Runs;
using Strata.Formats;

namespace Strata.Tests.Training.Callbacks;

/// <summary>
/// ReduceLROnPlateau and ModelCheckpoint driven by scripted monitored values, each expected outcome
/// worked out by hand from Keras 3's rules (keras/src/callbacks/reduce_lr_on_plateau.py and
/// model_checkpoint.py), and ModelCheckpoint in a real fit.
/// </summary>
public sealed class CallbackTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-callbacks-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static Sequential SmallModel(double learningRate = 1.0)
    {
        var model = new Sequential([new InputLayer([-1, 3]), new Dense(2)], seed: 1);
        model.Compile(new SGD(learningRate), new MeanSquaredError());
        return model;
    }

    /// <summary>The learning rate after each epoch whose monitored value is scripted.</summary>
    private static double[] LearningRates(ReduceLROnPlateau plateau, string monitor, params double[] values)
    {
        var model = SmallModel();
        plateau.Model = model;
        plateau.OnTrainBegin();
        var rates = new double[values.Length];
        for (int e = 0; e < values.Length; e++)
        {
            plateau.OnEpochEnd(e, new Dictionary<string, double> { [monitor] = values[e], ["loss"] = 123 });
            rates[e] = model.Optimizer!.LearningRate;
        }
        return rates;
    }

    [Fact]
    public void CooldownHoldsPatienceAsKerasCountsIt()
    {
        // Keras: a cut sets cooldown_counter = 2; each epoch then first decrements it (wait = 0), and an
        // epoch without improvement adds to wait only if the counter is 0 after that decrement.
        // Flat 1.0, patience 2: e0 best; e1 wait 1; e2 wait 2 → 0.5, counter 2; e3 counter 1 (held);
        // e4 counter 0, wait 1; e5 wait 2 → 0.25; e6 held; e7 wait 1; e8 → 0.125; e9 held.
        var flat = Enumerable.Repeat(1.0, 10).ToArray();
        Assert.Equal([1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125],
            LearningRates(new ReduceLROnPlateau("val_loss", factor: 0.5, patience: 2, minDelta: 0, cooldown: 2), "val_loss", flat));
        // Without a cooldown the cut comes every patience epochs: e2, e4, e6, e8.
        Assert.Equal([1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625, 0.0625],
            LearningRates(new ReduceLROnPlateau("val_loss", factor: 0.5, patience: 2, minDelta: 0, cooldown: 0), "val_loss", flat));
        // An improvement during the cooldown still becomes the new best: e3 (0.5) resets, e4 and e5 wait, e5 cuts.
        Assert.Equal([1, 1, 0.5, 0.5, 0.5, 0.25],
            LearningRates(new ReduceLROnPlateau("val_loss", factor: 0.5, patience: 2, minDelta: 0, cooldown: 2), "val_loss", 1, 1, 1, 0.5, 0.5, 0.5));
    }

    [Fact]
    public void MinLearningRateClampsTheCutAndThenStopsIt()
    {
        // Patience 1, factor 0.1 from 1.0: e1 → 0.1, e2 → max(0.01, 0.015) = 0.015, then lr > min_lr is false: no more cuts.
        Assert.Equal([1, 0.1, 0.015, 0.015, 0.015],
            LearningRates(new ReduceLROnPlateau("val_loss", factor: 0.1, patience: 1, minDelta: 0, minLearningRate: 0.015), "val_loss", 2, 2, 2, 2, 2));
        // A min_lr above the learning rate never raises it.
        Assert.Equal([1, 1, 1],
            LearningRates(new ReduceLROnPlateau("val_loss", factor: 0.1, patience: 1, minDelta: 0, minLearningRate: 5), "val_loss", 2, 2, 2));
    }

    [Fact]
    public void MinDeltaIsAStrictMargin()
    {
        // min: improved when current < best − min_delta. e1 (0.75 = 1 − 0.25) is not; e2 (0.5) is; e3 (0.375 vs 0.25) is not.
        Assert.Equal([1, 0.5, 0.5, 0.25],
            LearningRates(new ReduceLROnPlateau("val_loss", factor: 0.5, patience: 1, minDelta: 0.25), "val_loss", 1, 0.75, 0.5, 0.375));
        // max: improved when current > best + min_delta. e1 (1.25 = 1 + 0.25) is not; e2 (1.5) is.
        Assert.Equal([1, 0.5, 0.5],
            LearningRates(new ReduceLROnPlateau("val_accuracy", factor: 0.5, patience: 1, mode: "max", minDelta: 0.25), "val_accuracy", 1, 1.25, 1.5));
    }

    [Fact]
    public void ModeDecidesTheDirectionAndAutoReadsTheName()
    {
        double[] rising = [0.5, 0.6, 0.6005, 0.59, 0.7, 0.7, 0.7];
        // max (auto for an accuracy), min_delta 0.001, patience 2: e1 best 0.6; e2 (0.6005 ≤ 0.601) wait 1; e3 wait 2 → 0.5;
        // e4 best 0.7; e5 wait 1; e6 → 0.25.
        double[] asMaximum = [1, 1, 1, 0.5, 0.5, 0.5, 0.25];
        Assert.Equal(asMaximum, LearningRates(new ReduceLROnPlateau("val_accuracy", factor: 0.5, patience: 2, minDelta: 0.001), "val_accuracy", rising));
        Assert.Equal(asMaximum, LearningRates(new ReduceLROnPlateau("val_mae", factor: 0.5, patience: 2, mode: "max", minDelta: 0.001), "val_mae", rising));
        // min on the same values: only e0 improves; cuts at e2, e4, e6.
        double[] asMinimum = [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125];
        Assert.Equal(asMinimum, LearningRates(new ReduceLROnPlateau("val_accuracy", factor: 0.5, patience: 2, mode: "min", minDelta: 0.001), "val_accuracy", rising));
        Assert.Equal(asMinimum, LearningRates(new ReduceLROnPlateau("val_mae", factor: 0.5, patience: 2, minDelta: 0.001), "val_mae", rising));

        Assert.Contains("mode", Assert.Throws<StrataException>(() => new ReduceLROnPlateau(mode: "down")).Message);
        var missing = Assert.Throws<StrataException>(() => LearningRates(new ReduceLROnPlateau("val_auc"), "val_loss", 1));
        Assert.Contains("'val_auc'", missing.Message);
    }

    /// <summary>Drives a ModelCheckpoint with scripted values; before epoch e every weight is set to e + 1.</summary>
    private static Sequential Drive(ModelCheckpoint checkpoint, string monitor, params double[] values)
    {
        var model = SmallModel();
        checkpoint.Model = model;
        checkpoint.OnTrainBegin();
        for (int e = 0; e < values.Length; e++)
        {
            model.SetWeights(model.GetWeights().Select(w => Enumerable.Repeat((float)(e + 1), w.Length).ToArray()).ToArray());
            checkpoint.OnEpochEnd(e, new Dictionary<string, double> { [monitor] = values[e] });
        }
        return model;
    }

    private string[] Written() => _dir.GetFiles("*.strata").Select(f => f.Name).Order(StringComparer.Ordinal).ToArray();

    private static float SavedValue(string path)
    {
        var values = Sequential.Load(path).GetWeights().SelectMany(w => w).Distinct().ToArray();
        return Assert.Single(values);
    }

    [Fact]
    public void SaveBestOnlyWritesTheEpochsThatImprove()
    {
        string pattern = Path.Combine(_dir.FullName, "ckpt-{epoch}.strata");
        // min: 3 (first), 2 (better), 2.5, 1 (better), 1 (equal is not better): epochs 1, 2 and 4 (numbered from 1).
        Drive(new ModelCheckpoint(pattern, "val_loss", saveBestOnly: true), "val_loss", 3, 2, 2.5, 1, 1);
        Assert.Equal(["ckpt-1.strata", "ckpt-2.strata", "ckpt-4.strata"], Written());
        Assert.Equal(4f, SavedValue(Path.Combine(_dir.FullName, "ckpt-4.strata")));
    }

    [Fact]
    public void WithoutSaveBestOnlyEveryEpochIsWritten()
    {
        var checkpoint = new ModelCheckpoint(Path.Combine(_dir.FullName, "ckpt-{epoch}.strata"), "val_loss");
        Drive(checkpoint, "val_loss", 3, 2, 2.5);
        Assert.Equal(["ckpt-1.strata", "ckpt-2.strata", "ckpt-3.strata"], Written());
        Assert.Equal(Path.Combine(_dir.FullName, "ckpt-3.strata"), checkpoint.LastSaved);
        Assert.Equal(2f, SavedValue(Path.Combine(_dir.FullName, "ckpt-2.strata")));
    }

    [Theory]
    // max: 3 (first), 2, 2.5, 1, 4 (better): the best is epoch 5.
    [InlineData("val_loss", "max", 5f)]
    // auto reads an accuracy as max.
    [InlineData("val_accuracy", "auto", 5f)]
    // min: 3 (first), 2 (better), 2.5, 1 (better), 4: the best is epoch 4.
    [InlineData("val_accuracy", "min", 4f)]
    [InlineData("val_loss", "auto", 4f)]
    public void OneFileHoldsTheBestEpochsWeightsForTheMode(string monitor, string mode, float bestEpoch)
    {
        string path = Path.Combine(_dir.FullName, "best.strata");
        Drive(new ModelCheckpoint(path, monitor, saveBestOnly: true, mode: mode), monitor, 3, 2, 2.5, 1, 4);
        Assert.Equal(bestEpoch, SavedValue(path));
    }

    [Fact]
    public void InAFitTheSavedWeightsAreThoseOfTheBestEpoch()
    {
        var x = TestSupport.Random(1, 1.0, 200, 3);
        var y = TestSupport.Random(2, 1.0, 200, 2);
        var (vx, vy) = (TestSupport.Random(3, 1.0, 50, 3), TestSupport.Random(4, 1.0, 50, 2));
        // A large learning rate makes the validation loss move both ways, so the best epoch is not simply the last.
        var model = new Sequential([new InputLayer([-1, 3]), new Dense(8, "relu"), new Dense(2)], seed: 5);
        model.Compile(new SGD(0.3, momentum: 0.9), new MeanSquaredError());
        string path = Path.Combine(_dir.FullName, "best.strata");
        var captured = new List<float[][]>();
        var history = model.Fit(x, y, batchSize: 20, epochs: 8, validationData: (vx, vy), seed: 3,
            callbacks: [new ModelCheckpoint(path, saveBestOnly: true), new Capture(captured)]);

        var losses = history["val_loss"];
        int best = 0;
        for (int e = 1; e < losses.Count; e++) if (losses[e] < losses[best]) best = e;
        Assert.True(best < losses.Count - 1, "the best epoch is the last: this run cannot tell the best weights from the final ones");
        Assert.Equal(captured[best], Sequential.Load(path).GetWeights());
    }

    private sealed class Capture(List<float[][]> weights) : Callback
    {
        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => weights.Add(Model!.GetWeights());
    }
}
