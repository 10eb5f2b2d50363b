using Strata.Advice;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;

namespace Strata.Tests.Advice;

/// <summary>The measurements of `strata diagnose` on models whose true answer is known.</summary>
public sealed class DiagnosisTests
{
    private static Sequential DropoutThenBatchNorm(double rate, int features) =>
        new([new InputLayer([-1, features]), new Dropout(rate), new BatchNormalization(), new Dense(1)], seed: 1);

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.2)]
    public void DropoutBeforeBatchNormOnUnitVarianceInputShiftsTheVarianceByOneOverKeep(double rate)
    {
        // Zero-mean, unit-variance input: dropout's output has variance 1/(1 - rate) in training and 1 without it.
        var model = DropoutThenBatchNorm(rate, features: 16);
        var x = TestSupport.Random(7, 1.0, 20000, 16);
        var report = Diagnosis.Run(model, x);
        var bn = Assert.Single(report.BatchNormalization);
        Assert.Equal("batch_normalization", bn.Layer.Name);
        Assert.Equal(16, bn.Channels);
        Assert.Equal(1 / (1 - rate), bn.VarianceShift, 1 / (1 - rate) * 0.03);
        Assert.Equal(1.0, bn.NoiseFreeVariance, 0.03);
        // Fresh moving statistics (mean 0, variance 1) match this input: no gap.
        Assert.Equal(0, bn.MeanGap, 0.03);
        Assert.Equal(1.0, bn.MovingToTrueVariance, 0.03);
    }

    [Fact]
    public void WithoutNoiseThereIsNoShiftAndMovingStatisticsOffTheDataShowAsAGap()
    {
        var model = new Sequential([new InputLayer([-1, 4]), new BatchNormalization(), new Dense(1)], seed: 1);
        var x = TestSupport.Random(3, 2.0, 4000, 4);
        for (int i = 0; i < x.Size; i++) x.Data[i] += 5;
        var bn = Assert.Single(Diagnosis.Run(model, x).BatchNormalization);
        Assert.Equal(1.0, bn.VarianceShift, 1e-9);
        // Moving mean 0 against a true mean of 5 with σ = 2: 2.5σ; moving variance 1 against 4.
        Assert.Equal(2.5, bn.MeanGap, 0.1);
        Assert.Equal(0.25, bn.MovingToTrueVariance, 0.02);
    }

    [Fact]
    public void DiagnosisLeavesTheModelAsItWas()
    {
        var model = DropoutThenBatchNorm(0.3, features: 8);
        model.Compile(new Adam(), new MeanAbsoluteError());
        var x = TestSupport.Random(11, 1.0, 600, 8);
        var y = TestSupport.Random(12, 1.0, 600, 1);
        model.Fit(x, y, batchSize: 64, epochs: 1);
        var weights = model.GetWeights();
        var streams = model.Layers.SelectMany(l => l.RandomStreams).Select(s => (s.Seed, s.Step)).ToList();
        var before = model.Predict(x);

        var report = Diagnosis.Run(model, x, (x, y), batchSize: 100);

        Assert.Equal(weights, model.GetWeights());
        Assert.Equal(streams, model.Layers.SelectMany(l => l.RandomStreams).Select(s => (s.Seed, s.Step)).ToList());
        Assert.Equal(before.Data, model.Predict(x).Data);
        Assert.NotNull(report.OutputDifference);
        Assert.True(report.OutputDifference > 0);
        Assert.Equal(report.MovingStatisticsScores!["loss"], model.Evaluate(x, y)["loss"], 1e-6);
        Assert.NotEqual(report.MovingStatisticsScores["loss"], report.RecalibratedScores!["loss"]);

        // Recalibrated, the BatchNormalization normalizes with the mean and biased variance of x itself (dropout is
        // off at inference); the mean absolute error of that model, computed here in double precision:
        var bn = (BatchNormalization)model.Layers[1];
        var dense = (Dense)model.Layers[2];
        Assert.False(bn.Config.UnbiasedMovingVariance);
        int rows = x.Dim(0), features = x.Dim(1);
        double[] mean = new double[features], variance = new double[features];
        for (int c = 0; c < features; c++)
        {
            for (int r = 0; r < rows; r++) mean[c] += x.Data[r * features + c];
            mean[c] /= rows;
            for (int r = 0; r < rows; r++) variance[c] += Math.Pow(x.Data[r * features + c] - mean[c], 2);
            variance[c] /= rows;
        }
        double error = 0;
        for (int r = 0; r < rows; r++)
        {
            double prediction = dense.Bias!.Value.Data[0];
            for (int c = 0; c < features; c++)
                prediction += ((x.Data[r * features + c] - mean[c]) / Math.Sqrt(variance[c] + bn.Epsilon) * bn.Gamma!.Value.Data[c] + bn.Beta!.Value.Data[c])
                    * dense.Kernel!.Value.Data[c];
            error += Math.Abs(prediction - y.Data[r]);
        }
        Assert.Equal(error / rows, report.RecalibratedScores["loss"], 1e-5 * (error / rows));
    }

    [Fact]
    public void DeadReluUnitsAndZeroOutputsAreCounted()
    {
        var dense = new Dense(4, "relu");
        var model = new Sequential([new InputLayer([-1, 3]), dense, new Dense(1)], seed: 2);
        // Zero kernel: each unit outputs relu(bias); two negative biases make two dead units.
        dense.Kernel!.Value.Data.AsSpan().Clear();
        new float[] { -1, -2, 1, 3 }.CopyTo(dense.Bias!.Value.Data, 0);
        var report = Diagnosis.Run(model, TestSupport.Random(4, 1.0, 50, 3));
        var relu = Assert.Single(report.Activations);
        Assert.Equal("relu", relu.Activation);
        Assert.Equal(0.5, relu.DeadUnits);
        Assert.Equal(0.5, relu.ZeroOutputs);
        Assert.Empty(report.BatchNormalization);
        Assert.Null(report.OutputDifference);
    }

    [Fact]
    public void SaturatedSigmoidOutputsAreCounted()
    {
        var model = new Sequential([new InputLayer([-1, 2]), new Activation("sigmoid")], seed: 2);
        var x = new Tensor([2, 2], [-10f, 0f, 10f, 0.5f]);
        var sigmoid = Assert.Single(Diagnosis.Run(model, x).Activations);
        Assert.Equal(0.5, sigmoid.Saturated);
        Assert.True(double.IsNaN(sigmoid.DeadUnits));
    }
}
