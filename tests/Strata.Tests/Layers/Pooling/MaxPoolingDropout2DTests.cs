using Strata.Autodiff;
using Strata.Formats;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Pooling;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Pooling;

/// <summary>Wu &amp; Gu's max-pooling dropout: the weighted pooling worked by hand, its agreement with training's expectation, masks and seeds.</summary>
public class MaxPoolingDropout2DTests
{
    // One 2×2 window holding 1, 4, 2, 3.
    private static Tensor Window(int copies = 1) =>
        new([copies, 2, 2, 1], Enumerable.Repeat(new[] { 1f, 4f, 2f, 3f }, copies).SelectMany(w => w).ToArray());

    [Theory]
    // Sorted 1, 2, 3, 4 with drop probability p, keep q: weights q·p³, q·p², q·p, q (by hand).
    [InlineData(0.5, 0.0625 * 1 + 0.125 * 2 + 0.25 * 3 + 0.5 * 4)] // 3.0625
    [InlineData(0.25, 0.01171875 * 1 + 0.046875 * 2 + 0.1875 * 3 + 0.75 * 4)] // 3.66796875
    [InlineData(0.0, 4.0)]
    [InlineData(1.0, 0.0)]
    public void InferencePoolsByTheProbabilityOfEachUnitBeingTheKeptMaximum(double rate, double expected)
    {
        var y = TestSupport.Apply(new MaxPoolingDropout2D(rate), Window(), CallMode.Inference);
        Assert.Equal(expected, Assert.Single(y), 6);
    }

    [Fact]
    public void NegativeWindowsWeighTheirOwnValuesAndTheAllDroppedCaseAddsZero()
    {
        // Sorted −4, −3, −2, −1 at rate 0.5: 0.0625·(−4) + 0.125·(−3) + 0.25·(−2) + 0.5·(−1) = −1.625.
        var x = new Tensor([1, 2, 2, 1], [-1f, -2f, -3f, -4f]);
        Assert.Equal(-1.625, Assert.Single(TestSupport.Apply(new MaxPoolingDropout2D(0.5), x, CallMode.Inference)), 6);
    }

    [Fact]
    public void TrainingOutputsTheKeptMaximumWhoseMeanIsTheInferenceOutput()
    {
        const int copies = 40000;
        var y = TestSupport.Apply(new MaxPoolingDropout2D(0.5, seed: 11), Window(copies), CallMode.Training);
        // Every output is one of the window's values (never rescaled) or 0 when all four were dropped.
        Assert.All(y, v => Assert.Contains(v, new[] { 0f, 1f, 2f, 3f, 4f }));
        // P(4) = q, P(3) = q·p, P(2) = q·p², P(1) = q·p³, P(0) = p⁴ with p = q = 0.5.
        double[] expectedShares = [1.0 / 16, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2];
        for (int v = 0; v <= 4; v++)
            Assert.Equal(expectedShares[v], y.Count(o => o == v) / (double)copies, 2);
        // Standard error of the mean is about 1.2/√40000 = 0.006.
        Assert.Equal(3.0625, y.Average(v => (double)v), 1.5e-2);
    }

    [Fact]
    public void ADroppedUnitIsDroppedForEveryOverlappingWindow()
    {
        // A 1×3 row 5, 9, 7 pooled by overlapping 1×2 windows: whenever the middle 9 wins one window
        // it was kept, so it must win the other too.
        var x = new Tensor([2000, 1, 3, 1], Enumerable.Repeat(new[] { 5f, 9f, 7f }, 2000).SelectMany(r => r).ToArray());
        var y = TestSupport.Apply(new MaxPoolingDropout2D(0.5, poolSize: [1, 2], strides: [1, 1], seed: 3), x, CallMode.Training);
        int nines = 0;
        for (int n = 0; n < 2000; n++)
        {
            Assert.Equal(y[2 * n] == 9f, y[2 * n + 1] == 9f);
            if (y[2 * n] == 9f) nines++;
        }
        Assert.Equal(0.5, nines / 2000.0, 1);
    }

    [Fact]
    public void RateZeroIsMaxPooling()
    {
        var x = TestSupport.Random(3, 1, 2, 5, 6, 3);
        var max = TestSupport.Apply(new MaxPooling2D([3, 3], [2, 2], "same"), x, CallMode.Inference);
        Assert.Equal(max, TestSupport.Apply(new MaxPoolingDropout2D(0, [3, 3], [2, 2], "same"), x, CallMode.Training));
        Assert.Equal(max, TestSupport.Apply(new MaxPoolingDropout2D(0, [3, 3], [2, 2], "same"), x, CallMode.Inference));
    }

    [Fact]
    public void TheSeedReproducesTheMasksAndEachCallDrawsAFreshOne()
    {
        var x = TestSupport.Random(4, 1, 4, 6, 6, 3);
        var a = TestSupport.Apply(new MaxPoolingDropout2D(0.5, seed: 5), x, CallMode.Training, calls: 2);
        Assert.Equal(a, TestSupport.Apply(new MaxPoolingDropout2D(0.5, seed: 5), x, CallMode.Training, calls: 2));
        Assert.NotEqual(a, TestSupport.Apply(new MaxPoolingDropout2D(0.5, seed: 6), x, CallMode.Training, calls: 2));
        Assert.NotEqual(a, TestSupport.Apply(new MaxPoolingDropout2D(0.5, seed: 5), x, CallMode.Training, calls: 1));
    }

    [Fact]
    public void TheGradientGoesToTheKeptMaximumUnderAFixedMask()
    {
        var layer = new MaxPoolingDropout2D(0.5, seed: 2);
        layer.Build([-1, 4, 4, 2], new RandomGenerator(1));
        var x = TestSupport.Random(8, 1, 2, 4, 4, 2);
        TestSupport.CheckGradients(n => layer.Call(n[0], CallMode.Training), [x], beforeForward: () => layer.RandomStream.Step = 3, step: 1e-3);
        TestSupport.CheckGradients(n => layer.Call(n[0], CallMode.Inference), [x], step: 1e-3);
    }

    [Fact]
    public void ArgumentsAreCheckedAndTheModelSavesAndLoads()
    {
        Assert.Contains("Received: rate=1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPoolingDropout2D(1.5)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPoolingDropout2D(new MaxPoolingDropout2DConfig { Rate = 0.3, DataFormat = DataFormat.ChannelsFirst }));
        var model = new Sequential([new InputLayer([-1, 4, 4, 2]), new MaxPoolingDropout2D(0.3, [2, 2], padding: "same", seed: 9), new Flatten(), new Dense(2)], seed: 1);
        string dir = Directory.CreateTempSubdirectory("strata-mpd").FullName;
        try
        {
            string path = Path.Combine(dir, "m.strata");
            ModelFile.Save(model, path);
            var loaded = ModelFile.Load(path);
            var layer = Assert.IsType<MaxPoolingDropout2D>(loaded.Layers[0]);
            Assert.Equal((0.3, 9), (layer.Rate, layer.Config is MaxPoolingDropout2DConfig { Seed: int s } ? s : -1));
            var x = TestSupport.Random(5, 1, 3, 4, 4, 2);
            Assert.Equal(model.Predict(x).Data, loaded.Predict(x).Data);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
