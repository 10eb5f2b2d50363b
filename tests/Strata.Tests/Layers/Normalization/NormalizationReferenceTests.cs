using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Xunit;
using static Strata.Tests.TestSupport;
using Strata.Formats;

namespace Strata.Tests.Layers.Normalization;

/// <summary>The normalization family against PyTorch (Fixtures/generate_fixtures.py) and against its own definitions.</summary>
public class NormalizationReferenceTests
{
    private static T Built<T>(T layer, params int[] shape) where T : Layer
    {
        var batchShape = (int[])shape.Clone();
        batchShape[0] = -1;
        layer.Name = "layer";
        layer.Build(batchShape, new RandomGenerator(0));
        return layer;
    }

    /// <summary>Runs the layer on x, backpropagates dy; returns y, dx and the graph.</summary>
    private static (float[] Y, float[] Dx, Graph Graph) Run(Layer layer, float[] x, int[] shape, float[]? dy, CallMode mode)
    {
        var graph = new Graph();
        var input = graph.Input(shape, requiresGradient: true);
        input.Set(new Tensor(shape, x));
        var y = layer.Call(input, mode);
        var weights = graph.Input(shape);
        weights.Set(new Tensor(shape, dy ?? new float[x.Length]));
        var loss = Ops.Sum(Ops.Multiply(y, weights));
        graph.Forward();
        graph.Backward(loss);
        return (y.Value.Data.ToArray(), input.Gradient!.Data.ToArray(), graph);
    }

    [Theory]
    [InlineData("batchnorm_torch_ema")]
    [InlineData("batchnorm_torch_cumulative")]
    public void MovingStatisticsFollowPyTorchOverSeveralSteps(string fixture)
    {
        var f = Fixture(fixture);
        int rows = f["rows"]!.GetValue<int>(), channels = f["channels"]!.GetValue<int>();
        bool cumulative = f["torch_momentum"] is null;
        // momentum_keras = 1 − momentum_torch; PyTorch moves running_var toward the unbiased batch variance.
        var layer = Built(new BatchNormalization(new()
        {
            Momentum = cumulative ? 0.99 : 1 - f["torch_momentum"]!.GetValue<double>(), Epsilon = 1e-5,
            MovingStatistics = cumulative ? MovingStatistics.Cumulative : MovingStatistics.Ema, UnbiasedMovingVariance = true,
        }), rows, channels);
        float[] y = [];
        foreach (var batch in f["batches"]!.AsArray())
            (y, _, _) = Run(layer, Floats(batch), [rows, channels], null, CallMode.Training);
        AssertClose(Floats(f["last_y"]), y, 1e-5, "y");
        AssertClose(Floats(f["running_mean"]), layer.MovingMean!.Value.Data, 1e-5, "moving_mean");
        AssertClose(Floats(f["running_var"]), layer.MovingVariance!.Value.Data, 1e-5, "moving_variance");
        if (cumulative) Assert.Equal(f["num_batches_tracked"]!.GetValue<int>(), layer.NumBatchesTracked!.Value.Data[0]);
    }

    [Theory]
    [InlineData("layernorm_last", new[] { -1 })]
    [InlineData("layernorm_two_axes", new[] { 1, 2 })]
    public void LayerNormalizationMatchesPyTorch(string fixture, int[] axis)
    {
        var f = Fixture(fixture);
        var shape = Ints(f["shape"]);
        var layer = Built(new LayerNormalization(axis, epsilon: 1e-3), shape);
        Floats(f["gamma"]).CopyTo(layer.Gamma!.Value.Data, 0);
        Floats(f["beta"]).CopyTo(layer.Beta!.Value.Data, 0);
        foreach (var mode in new[] { CallMode.Training, CallMode.Inference })
        {
            var (y, dx, graph) = Run(layer, Floats(f["x"]), shape, Floats(f["dy"]), mode);
            AssertClose(Floats(f["y"]), y, 1e-5, "y");
            AssertClose(Floats(f["dx"]), dx, 1e-4, "dx");
            AssertClose(Floats(f["dgamma"]), graph.GradientOf(layer.Gamma)!.Data, 1e-4, "dgamma");
            AssertClose(Floats(f["dbeta"]), graph.GradientOf(layer.Beta)!.Data, 1e-4, "dbeta");
        }
    }

    [Fact]
    public void GroupNormalizationMatchesPyTorchOnChannelsFirstData()
    {
        var f = Fixture("groupnorm_axis1");
        var shape = Ints(f["shape"]);
        var layer = Built(new GroupNormalization(groups: f["groups"]!.GetValue<int>(), axis: 1, epsilon: 1e-3), shape);
        Floats(f["gamma"]).CopyTo(layer.Gamma!.Value.Data, 0);
        Floats(f["beta"]).CopyTo(layer.Beta!.Value.Data, 0);
        var (y, dx, graph) = Run(layer, Floats(f["x"]), shape, Floats(f["dy"]), CallMode.Training);
        AssertClose(Floats(f["y"]), y, 1e-5, "y");
        AssertClose(Floats(f["dx"]), dx, 1e-4, "dx");
        AssertClose(Floats(f["dgamma"]), graph.GradientOf(layer.Gamma)!.Data, 1e-4, "dgamma");
        AssertClose(Floats(f["dbeta"]), graph.GradientOf(layer.Beta)!.Data, 1e-4, "dbeta");
    }

    [Fact]
    public void GroupNormalizationWithOneGroupPerChannelIsInstanceNormalization()
    {
        var x = Random(3, 2, 2, 5, 4);
        var layer = Built(new GroupNormalization(groups: 4), 2, 5, 4);
        var (y, _, _) = Run(layer, x.Data, [2, 5, 4], null, CallMode.Inference);
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 4; c++)
            {
                var v = Enumerable.Range(0, 5).Select(t => (double)x.Data[n * 20 + t * 4 + c]).ToArray();
                double mean = v.Average(), variance = v.Select(u => (u - mean) * (u - mean)).Average();
                for (int t = 0; t < 5; t++)
                    Assert.Equal((v[t] - mean) / Math.Sqrt(variance + 1e-3), y[n * 20 + t * 4 + c], 1e-4);
            }
    }

    [Fact]
    public void RmsScalingDividesByTheRootMeanSquareWithoutCentring()
    {
        var x = Random(4, 2, 3, 6);
        var layer = Built(new LayerNormalization(rmsScaling: true), 3, 6);
        Assert.Null(layer.Beta);
        for (int i = 0; i < 6; i++) layer.Gamma!.Value.Data[i] = 0.5f + i;
        var (y, _, _) = Run(layer, x.Data, [3, 6], null, CallMode.Inference);
        for (int r = 0; r < 3; r++)
        {
            double rms = Math.Sqrt(Enumerable.Range(0, 6).Select(i => (double)x.Data[r * 6 + i] * x.Data[r * 6 + i]).Average() + 1e-3);
            for (int i = 0; i < 6; i++) Assert.Equal(x.Data[r * 6 + i] / rms * (0.5 + i), y[r * 6 + i], 4);
        }
    }

    [Fact]
    public void GhostBatchesNormalizeEachGroupOnItsOwnAndAverageTheirStatistics()
    {
        var x = Random(5, 3, 8, 3);
        var ghost = Built(new BatchNormalization(new() { VirtualBatchSize = 4, Momentum = 0.5 }), 8, 3);
        var (y, _, _) = Run(ghost, x.Data, [8, 3], null, CallMode.Training);
        var halfMeans = new double[2, 3];
        var halfVariances = new double[2, 3];
        for (int half = 0; half < 2; half++)
        {
            var plain = Built(new BatchNormalization(new() { Momentum = 0.5 }), 4, 3);
            var part = x.Data.AsSpan(half * 12, 12).ToArray();
            var (yh, _, _) = Run(plain, part, [4, 3], null, CallMode.Training);
            AssertClose(yh, y.AsSpan(half * 12, 12), 1e-5, $"ghost batch {half}");
            for (int c = 0; c < 3; c++)
            {
                halfMeans[half, c] = plain.MovingMean!.Value.Data[c] * 2;
                halfVariances[half, c] = (plain.MovingVariance!.Value.Data[c] - 0.5) * 2;
            }
        }
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(0.5 * (halfMeans[0, c] + halfMeans[1, c]) / 2, ghost.MovingMean!.Value.Data[c], 5);
            Assert.Equal(0.5 + 0.5 * (halfVariances[0, c] + halfVariances[1, c]) / 2, ghost.MovingVariance!.Value.Data[c], 5);
        }
    }

    [Fact]
    public void RenormWithNeutralClippingIsBatchNormalizationAndTracksItsOwnAverages()
    {
        var x = Random(6, 2, 10, 3);
        var renorm = Built(new BatchNormalization(new() { Renorm = true, RenormClipping = new RenormClipping(1, 1, 0), RenormMomentum = 0.8 }), 10, 3);
        var plain = Built(new BatchNormalization(), 10, 3);
        var (y1, dx1, _) = Run(renorm, x.Data, [10, 3], Random(7, 1, 10, 3).Data, CallMode.Training);
        var (y2, dx2, _) = Run(plain, x.Data, [10, 3], Random(7, 1, 10, 3).Data, CallMode.Training);
        AssertClose(y2, y1, 1e-5, "y");
        AssertClose(dx2, dx1, 1e-5, "dx");
        AssertClose(plain.MovingMean!.Value.Data, renorm.MovingMean!.Value.Data, 1e-6, "moving_mean");
        for (int c = 0; c < 3; c++)
        {
            var v = Enumerable.Range(0, 10).Select(r => (double)x.Data[r * 3 + c]).ToArray();
            double mean = v.Average(), sd = Math.Sqrt(v.Select(u => (u - mean) * (u - mean)).Average() + 1e-3);
            Assert.Equal(0.2 * mean, renorm.RenormMean!.Value.Data[c], 5);
            Assert.Equal(0.8 + 0.2 * sd, renorm.RenormStddev!.Value.Data[c], 5);
        }
    }

    [Fact]
    public void RenormCorrectsTheBatchTowardTheMovingAverages()
    {
        // With free clipping, y = γ·(x̂·r + d) + β = (x − μ_R)/σ_R: the moving averages normalize.
        var x = Random(8, 2, 12, 2);
        var layer = Built(new BatchNormalization(new() { Renorm = true }), 12, 2);
        layer.RenormMean!.Value.Data[0] = 0.5f;
        layer.RenormStddev!.Value.Data[0] = 2f;
        var (y, _, _) = Run(layer, x.Data, [12, 2], null, CallMode.Training);
        for (int r = 0; r < 12; r++) Assert.Equal((x.Data[r * 2] - 0.5) / 2, y[r * 2], 4);
    }

    [Fact]
    public void SeveralAxesKeepOneStatisticPerPosition()
    {
        var x = Random(9, 1, 6, 2, 3, 4);
        var layer = Built(new BatchNormalization(new() { Axis = [1, 3], Momentum = 0 }), 6, 2, 3, 4);
        Assert.Equal(new[] { 1, 2, 1, 4 }, layer.MovingMean!.Value.ShapeArray());
        Run(layer, x.Data, [6, 2, 3, 4], null, CallMode.Training);
        for (int a = 0; a < 2; a++)
            for (int c = 0; c < 4; c++)
            {
                double s = 0;
                for (int n = 0; n < 6; n++) for (int h = 0; h < 3; h++) s += x.Data[((n * 2 + a) * 3 + h) * 4 + c];
                Assert.Equal(s / 18, layer.MovingMean.Value.Data[a * 4 + c], 5);
            }
    }

    [Fact]
    public void AlphaDropoutUsesPyTorchsAffineCorrection()
    {
        var f = Fixture("alpha_dropout");
        var values = Floats(f["values"]);
        var layer = Built(new AlphaDropout(f["rate"]!.GetValue<double>(), seed: 3), 20000, 1);
        var (y, _, _) = Run(layer, new float[20000], [20000, 1], null, CallMode.Training);
        var distinct = y.Distinct().Order().ToArray();
        AssertClose(values, distinct, 1e-6, "dropped and kept values");
        Assert.Equal(0.2, y.Count(v => v == distinct[0]) / 20000.0, 2);
    }

    [Fact]
    public void APyTorchTrainedModelPredictsTheSameUnderKerasNames()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "interop");
        var model = Sequential.FromConfig(System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))));
        model.LoadWeights(Path.Combine(dir, "model.safetensors"));
        var f = Fixture("interop");
        int rows = f["rows"]!.GetValue<int>();
        var x = new Tensor([rows, 5], Floats(f["x"]));
        AssertRelative(Floats(f["eval_y"]), model.Predict(x).Data, 1e-5, "inference");

        // Training mode with dropout rate 0: batch statistics, as PyTorch's train().
        var graph = new Graph();
        var input = graph.Input([rows, 5]);
        input.Set(x);
        Node h = input;
        foreach (var layer in model.Layers)
            h = layer is Dropout ? h : layer.Call(h, CallMode.Training);
        graph.Forward();
        AssertRelative(Floats(f["train_y"]), h.Value.Data, 1e-5, "training");
    }

    private static void AssertRelative(float[] expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v));
        for (int i = 0; i < expected.Length; i++)
            if (Math.Abs(expected[i] - actual[i]) > tolerance * scale)
                Assert.Fail($"{what}[{i}]: expected {expected[i]}, got {actual[i]} (relative to the output scale {scale}: {Math.Abs(expected[i] - actual[i]) / scale:E2})");
    }
}
