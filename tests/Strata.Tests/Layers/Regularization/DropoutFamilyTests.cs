using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Regularization;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Regularization;

/// <summary>Statistical checks with fixed seeds: kept fractions, where masks are shared, noise moments, block shapes.</summary>
public class DropoutFamilyTests
{
    private static float[] Apply(Layer layer, Tensor x, CallMode mode, int calls = 1)
    {
        var shape = x.ShapeArray();
        if (!layer.IsBuilt)
        {
            var batchShape = (int[])shape.Clone();
            batchShape[0] = -1;
            layer.Build(batchShape, new RandomGenerator(1));
            layer.Reseed(new RandomGenerator(2));
        }
        var graph = new Graph();
        var input = graph.Input(shape);
        input.Set(x);
        var y = layer.Call(input, mode);
        for (int i = 0; i < calls; i++) graph.Forward();
        return y.Value.Data.ToArray();
    }

    public static IEnumerable<object[]> StochasticLayers() =>
    [
        [new Dropout(0.4)], [new SpatialDropout1D(0.4)], [new GaussianDropout(0.4)], [new GaussianNoise(0.4)],
        [new AlphaDropout(0.4)], [new DropBlock2D(0.4, 3)], [new StochasticDepth(0.4)],
    ];

    [Theory]
    [MemberData(nameof(StochasticLayers))]
    public void EveryStochasticLayerIsTheIdentityAtInferenceAndNoisyInTraining(Layer layer)
    {
        var x = TestSupport.Random(1, 1, layer is SpatialDropout1D ? [8, 4, 3] : layer is DropBlock2D ? [2, 6, 6, 2] : [16, 8]);
        Assert.Equal(x.Data, Apply(layer, x, CallMode.Inference));
        Assert.NotEqual(x.Data, Apply(layer, x, CallMode.Training));
        Assert.NotEqual(x.Data, Apply(layer, x, CallMode.MonteCarlo));
    }

    [Fact]
    public void DropoutKeepsOneMinusRateAndScalesTheRest()
    {
        var x = Tensor.Filled(1, 200, 500);
        var y = Apply(new Dropout(0.3, seed: 9), x, CallMode.Training);
        Assert.All(y, v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.7f) < 1e-6));
        Assert.Equal(0.7, y.Count(v => v != 0) / (double)y.Length, 2);
    }

    [Fact]
    public void NoiseShapeSharesTheMaskAlongItsUnitAxes()
    {
        var x = Tensor.Filled(1, 40, 6, 5);
        var y = Apply(new Dropout(0.5, noiseShape: [-1, 1, -1], seed: 2), x, CallMode.Training);
        for (int n = 0; n < 40; n++)
            for (int c = 0; c < 5; c++)
                for (int t = 1; t < 6; t++)
                    Assert.Equal(y[(n * 6) * 5 + c], y[(n * 6 + t) * 5 + c]);
        Assert.InRange(y.Count(v => v == 0) / (double)y.Length, 0.4, 0.6);
    }

    [Fact]
    public void NoiseShapeThatDoesNotBroadcastIsRejected()
    {
        var e = Assert.Throws<StrataException>(() => new Dropout(0.5, noiseShape: [-1, 3], name: "d").Build([-1, 4], new RandomGenerator(0)));
        Assert.Contains("does not broadcast", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SpatialDropoutDropsWholeChannels(int spatialRank)
    {
        int[] shape = [50, .. Enumerable.Repeat(3, spatialRank), 8];
        Layer layer = spatialRank switch { 1 => new SpatialDropout1D(0.25, seed: 1), 2 => new SpatialDropout2D(0.25, seed: 1), _ => new SpatialDropout3D(0.25, seed: 1) };
        var y = Apply(layer, Tensor.Filled(1, shape), CallMode.Training);
        int spatial = (int)Math.Pow(3, spatialRank), dropped = 0;
        for (int n = 0; n < 50; n++)
            for (int c = 0; c < 8; c++)
            {
                var values = Enumerable.Range(0, spatial).Select(s => y[(n * spatial + s) * 8 + c]).Distinct().ToList();
                Assert.Single(values);
                if (values[0] == 0) dropped++;
                else Assert.Equal(1 / 0.75f, values[0], 5);
            }
        Assert.InRange(dropped / 400.0, 0.18, 0.32);
    }

    [Fact]
    public void SpatialDropoutChannelsFirstSharesOverTheTrailingAxes()
    {
        var y = Apply(new SpatialDropout2D(new SpatialDropoutConfig { Rate = 0.5, DataFormat = DataFormat.ChannelsFirst, Seed = 4 }), Tensor.Filled(1, 10, 4, 3, 3), CallMode.Training);
        for (int m = 0; m < 40; m++) Assert.Single(y.AsSpan(m * 9, 9).ToArray().Distinct());
    }

    [Fact]
    public void SpatialDropoutOnAnInputWithoutSpatialAxesIsAnError()
    {
        var e = Assert.Throws<StrataException>(() => new SpatialDropout2D(0.2, name: "sd").Build([-1, 16], new RandomGenerator(0)));
        Assert.Contains("SpatialDropout2D layer 'sd' expects inputs of rank 4", e.Message);
    }

    [Fact]
    public void GaussianDropoutHasMeanOneAndVarianceRateOverKeep()
    {
        var y = Apply(new GaussianDropout(0.2, seed: 3), Tensor.Filled(1, 400, 250), CallMode.Training);
        double mean = y.Average(v => (double)v), variance = y.Average(v => (v - mean) * (v - mean));
        Assert.Equal(1, mean, 2);
        Assert.Equal(0.25, variance, 2);
    }

    [Fact]
    public void GaussianNoiseAddsZeroMeanNoiseOfTheGivenDeviation()
    {
        var y = Apply(new GaussianNoise(0.7, seed: 4), new Tensor(400, 250), CallMode.Training);
        double mean = y.Average(v => (double)v), variance = y.Average(v => (v - mean) * (v - mean));
        Assert.Equal(0, mean, 2);
        Assert.Equal(0.49, variance, 2);
    }

    [Fact]
    public void AlphaDropoutKeepsZeroMeanAndUnitVarianceOfSeluActivations()
    {
        // SELU's fixed point: inputs N(0, 1) through a SELU-initialized layer stay near mean 0, variance 1.
        var rng = new RandomGenerator(5);
        var x = new Tensor(400, 250);
        for (int i = 0; i < x.Size; i++) x.Data[i] = (float)rng.NextGaussian();
        var selu = Apply(new Activation("selu"), x, CallMode.Inference);
        double m0 = selu.Average(v => (double)v), v0 = selu.Average(v => (v - m0) * (v - m0));
        var y = Apply(new AlphaDropout(0.3, seed: 6), new Tensor(x.ShapeArray(), selu), CallMode.Training);
        double mean = y.Average(v => (double)v), variance = y.Average(v => (v - mean) * (v - mean));
        Assert.Equal(m0, mean, 1);
        Assert.Equal(v0, variance, 1);
        Assert.InRange(Math.Abs(mean - m0), 0, 0.03);
        Assert.InRange(Math.Abs(variance - v0), 0, 0.05);
    }

    [Fact]
    public void DropBlockDropsWholeBlocksAboutRateOfTheUnitsAndRescales()
    {
        const int block = 3, size = 12;
        var y = Apply(new DropBlock2D(0.15, block, seed: 7), Tensor.Filled(1, 40, size, size, 2), CallMode.Training);
        int zeros = y.Count(v => v == 0);
        float kept = y.First(v => v != 0);
        Assert.All(y, v => Assert.True(v == 0 || v == kept));
        Assert.Equal(y.Length / (double)(y.Length - zeros), kept, 4);
        Assert.InRange(zeros / (double)y.Length, 0.10, 0.17);
        // Every dropped unit lies in some fully dropped block×block square inside the map.
        bool Zero(int n, int i, int j, int c) => y[((n * size + i) * size + j) * 2 + c] == 0;
        for (int n = 0; n < 40; n++)
            for (int c = 0; c < 2; c++)
                for (int i = 0; i < size; i++)
                    for (int j = 0; j < size; j++)
                    {
                        if (!Zero(n, i, j, c)) continue;
                        bool covered = false;
                        for (int ti = Math.Max(0, i - block + 1); ti <= Math.Min(i, size - block) && !covered; ti++)
                            for (int tj = Math.Max(0, j - block + 1); tj <= Math.Min(j, size - block) && !covered; tj++)
                            {
                                covered = true;
                                for (int a = 0; a < block && covered; a++)
                                    for (int b = 0; b < block && covered; b++) covered = Zero(n, ti + a, tj + b, c);
                            }
                        Assert.True(covered, $"unit ({n}, {i}, {j}, {c}) is dropped outside any whole block");
                    }
    }

    [Fact]
    public void StochasticDepthDropsWholeSamplesOrTheWholeBatch()
    {
        var rows = Apply(new StochasticDepth(0.5, seed: 8), Tensor.Filled(1, 200, 6), CallMode.Training);
        for (int n = 0; n < 200; n++) Assert.Single(rows.AsSpan(n * 6, 6).ToArray().Distinct());
        Assert.InRange(rows.Count(v => v == 0) / (double)rows.Length, 0.4, 0.6);
        Assert.All(rows, v => Assert.True(v == 0 || v == 2));
        var layer = new StochasticDepth(new StochasticDepthConfig { Rate = 0.5, Mode = StochasticDepthMode.Batch, Seed = 9 });
        for (int call = 0; call < 4; call++)
            Assert.Single(Apply(layer, Tensor.Filled(1, 20, 6), CallMode.Training).Distinct());
    }

    [Fact]
    public void ResidualAddsItsBranchAndFreezesWithIt()
    {
        var dense = new Dense(new DenseConfig { Units = 3, Weights = new() { Kernel = new(Initializer.Constant(0.5)) } });
        var block = new Residual([dense], "residual");
        var x = TestSupport.Random(10, 1, 4, 3);
        var y = Apply(block, x, CallMode.Inference);
        for (int r = 0; r < 4; r++)
        {
            float branch = 0.5f * (x.Data[r * 3] + x.Data[r * 3 + 1] + x.Data[r * 3 + 2]);
            for (int c = 0; c < 3; c++) Assert.Equal(x.Data[r * 3 + c] + branch, y[r * 3 + c], 5);
        }
        Assert.Equal(["residual/dense/kernel", "residual/dense/bias"], block.Variables.Select(v => v.Path));
        block.Trainable = false;
        Assert.False(dense.Trainable);
        Assert.Empty(block.TrainableVariables);
        var e = Assert.Throws<StrataException>(() => new Residual([new Dense(5)], "r").Build([-1, 3], new RandomGenerator(0)));
        Assert.Contains("must keep the input's shape", e.Message);
    }

    [Fact]
    public void DropConnectMasksTheKernelAfreshEachStepAndNotAtInference()
    {
        var dense = new Dense(new DenseConfig { Units = 50, Weights = new() { Kernel = new(Initializer.Constant(1)), UseBias = false } });
        var layer = new DropConnect(dense, 0.25, seed: 11);
        // An identity input reads the effective kernel back row by row.
        var x = new Tensor(40, 40);
        for (int i = 0; i < 40; i++) x.Data[i * 40 + i] = 1;
        var first = Apply(layer, x, CallMode.Training);
        Assert.All(first, v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.75f) < 1e-6));
        Assert.InRange(first.Count(v => v == 0) / 2000.0, 0.2, 0.3);
        Assert.NotEqual(first, Apply(layer, x, CallMode.Training, calls: 2));
        Assert.All(Apply(layer, x, CallMode.Inference), v => Assert.Equal(1f, v));
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    public void RatesAreValidatedLikeKeras(double rate)
    {
        foreach (var create in new Func<Layer>[] { () => new Dropout(rate), () => new SpatialDropout2D(rate), () => new GaussianDropout(rate),
                     () => new AlphaDropout(rate), () => new DropBlock2D(rate), () => new StochasticDepth(rate), () => new DropConnect(new Dense(2), rate) })
            Assert.Contains($"Received: rate={rate}", Assert.Throws<ArgumentOutOfRangeException>(create).Message);
        Assert.Contains("stddev=-1", Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianNoise(-1)).Message);
        Assert.Contains("Received: \"depth\"", Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "StochasticDepth", "config": {"rate": 0.1, "mode": "depth"}}"""), 0)).Message);
    }

    [Fact]
    public void MasksAreTheSameForOneAndTwoThreads()
    {
        var layers = new Func<Layer>[] { () => new Dropout(0.3, seed: 1), () => new GaussianDropout(0.3, seed: 1), () => new AlphaDropout(0.3, seed: 1),
            () => new DropBlock2D(0.3, 3, seed: 1), () => new SpatialDropout2D(0.3, seed: 1), () => new GaussianNoise(0.3, seed: 1) };
        var x = TestSupport.Random(12, 1, 4, 8, 8, 3);
        int saved = Compute.Threads;
        try
        {
            foreach (var create in layers)
            {
                Compute.Threads = 1;
                var one = Apply(create(), x, CallMode.Training);
                Compute.Threads = 2;
                Assert.Equal(one, Apply(create(), x, CallMode.Training));
            }
        }
        finally
        {
            Compute.Threads = saved;
        }
    }
}
