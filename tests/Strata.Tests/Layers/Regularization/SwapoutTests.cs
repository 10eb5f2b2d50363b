using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Formats;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Regularization;

/// <summary>Swapout's per-unit ensemble, its expectation at inference, and dropout, Residual and stochastic depth as its special cases.</summary>
public class SwapoutTests
{
    // F = sigmoid and x = 2 keep the four outcomes 0, x, F(x), x + F(x) apart.
    private static Swapout Block(double keepIdentity, double keepResidual, int? seed = 4) =>
        new([new Activation("sigmoid")], keepIdentity, keepResidual, seed);

    [Fact]
    public void InferenceUsesTheExpectationOfBothMasks()
    {
        // 0.5·x + 0.8·relu(x) for x = −2 and 3, by hand: −1 and 1.5 + 2.4 = 3.9.
        var y = TestSupport.Apply(new Swapout([new Activation("relu")], 0.5, 0.8), new Tensor([1, 2], [-2f, 3f]), CallMode.Inference);
        Assert.Equal(-1.0, y[0], 6);
        Assert.Equal(3.9, y[1], 5);
    }

    [Fact]
    public void TrainingDrawsBothMasksIndependentlyForEveryUnit()
    {
        const int units = 40000;
        var y = TestSupport.Apply(Block(0.7, 0.4), Tensor.Filled(2, 200, units / 200), CallMode.Training);
        float f = 1f / (1f + MathF.Exp(-2f));
        // Outcomes 0, x, F(x), x + F(x) with probabilities (1−θ₁)(1−θ₂), θ₁(1−θ₂), (1−θ₁)θ₂, θ₁θ₂.
        (float Value, double Share)[] outcomes = [(0f, 0.3 * 0.6), (2f, 0.7 * 0.6), (f, 0.3 * 0.4), (2f + f, 0.7 * 0.4)];
        Assert.Equal(units, outcomes.Sum(o => y.Count(v => Math.Abs(v - o.Value) < 1e-6)));
        foreach (var (value, share) in outcomes)
            Assert.Equal(share, y.Count(v => Math.Abs(v - value) < 1e-6) / (double)units, 2);
        // Within each sample both outcomes occur: the draws are per unit, not per sample.
        Assert.Contains(y.Take(200), v => v == 0f);
        Assert.Contains(y.Take(200), v => v != 0f);
    }

    [Fact]
    public void KeepIdentityZeroIsUnscaledDropoutOfTheBranch()
    {
        var y = TestSupport.Apply(Block(0, 0.75), Tensor.Filled(2, 100, 100), CallMode.Training);
        float f = 1f / (1f + MathF.Exp(-2f));
        Assert.All(y, v => Assert.True(v == 0f || Math.Abs(v - f) < 1e-6));
        // 10 000 draws: the kept share's standard deviation is √(0.75·0.25/10⁴) ≈ 0.0043; 0.02 is over 4.5 of them.
        Assert.InRange(y.Count(v => v != 0f) / (double)y.Length, 0.73, 0.77);
        Assert.All(TestSupport.Apply(Block(0, 0.75), Tensor.Filled(2, 1, 3), CallMode.Inference), v => Assert.Equal(0.75 * f, v, 6));
    }

    [Fact]
    public void BothKeptIsResidualAndKeepIdentityOneIsStochasticDepthPerUnit()
    {
        var x = TestSupport.Random(3, 1, 6, 5);
        var residual = TestSupport.Apply(new Residual([new Activation("sigmoid")]), x, CallMode.Training);
        Assert.Equal(residual, TestSupport.Apply(Block(1, 1), x, CallMode.Training));
        // keep_identity 1: every unit is x or x + F(x), chosen per unit where StochasticDepth chooses per sample.
        var y = TestSupport.Apply(Block(1, 0.5), x, CallMode.Training);
        var kept = y.Select((v, i) => Math.Abs(v - residual[i]) < 1e-6).ToArray();
        Assert.All(y.Select((v, i) => kept[i] || Math.Abs(v - x.Data[i]) < 1e-6), Assert.True);
        Assert.Contains(Enumerable.Range(0, 6), row => kept.Skip(5 * row).Take(5).Distinct().Count() == 2);
        var depth = TestSupport.Apply(new Residual([new Activation("sigmoid"), new StochasticDepth(0.5, seed: 4)]), x, CallMode.Training);
        Assert.All(Enumerable.Range(0, 6), row =>
            Assert.True(depth.Skip(5 * row).Take(5).SequenceEqual(x.Data.Skip(5 * row).Take(5)) || depth.Skip(5 * row).Take(5).Select((v, j) => Math.Abs(v - x.Data[5 * row + j]) > 1e-7).All(c => c)));
    }

    [Theory]
    [InlineData(0.0, 0.5, 1)]
    [InlineData(0.5, 0.0, 1)]
    [InlineData(0.0, 0.0, 0)]
    [InlineData(1.0, 1.0, 0)]
    [InlineData(0.5, 0.5, 2)]
    public void OnlyMasksThatCanVaryTakeAKeyFromTheStream(double keepIdentity, double keepResidual, int keys)
    {
        var block = Block(keepIdentity, keepResidual);
        var x = TestSupport.Random(9, 1, 4, 6);
        var y = TestSupport.Apply(block, x, CallMode.Training, calls: 3);
        Assert.Equal((ulong)(3 * keys), block.RandomStream.Step);
        // Both dropped: every unit is 0, neither x nor F(x) survives.
        if (keepIdentity == 0 && keepResidual == 0) Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void TheSeedReproducesTheMasks()
    {
        var x = TestSupport.Random(5, 1, 8, 6);
        Assert.Equal(TestSupport.Apply(Block(0.5, 0.5, 7), x, CallMode.Training), TestSupport.Apply(Block(0.5, 0.5, 7), x, CallMode.Training));
        Assert.NotEqual(TestSupport.Apply(Block(0.5, 0.5, 7), x, CallMode.Training), TestSupport.Apply(Block(0.5, 0.5, 8), x, CallMode.Training));
    }

    [Fact]
    public void ArgumentsAreCheckedAndTheBlockSavesAndLoadsWithItsBranch()
    {
        Assert.Contains("keep_identity=1.5", Assert.Throws<ArgumentOutOfRangeException>(() => Block(1.5, 0.5)).Message);
        Assert.Contains("keep_residual=-0.1", Assert.Throws<ArgumentOutOfRangeException>(() => Block(1, -0.1)).Message);
        var model = new Sequential([new InputLayer([-1, 4]), new Swapout([new Dense(4, "tanh"), new Dense(4)], 0.9, 0.6, seed: 3), new Dense(1)], seed: 2);
        var config = model.Layers[0].GetConfig();
        Assert.Equal(0.9, config["keep_identity"]!.GetValue<double>());
        Assert.Equal(0.6, config["keep_residual"]!.GetValue<double>());
        Assert.Equal(["Dense", "Dense"], ((JsonArray)config["layers"]!).Select(l => l!["class_name"]!.GetValue<string>()));
        string dir = Directory.CreateTempSubdirectory("strata-swapout").FullName;
        try
        {
            string path = Path.Combine(dir, "m.strata");
            ModelFile.Save(model, path);
            var loaded = ModelFile.Load(path);
            Assert.Equal(config.ToJsonString(), loaded.Layers[0].GetConfig().ToJsonString());
            Assert.Equal(["swapout/dense/kernel", "swapout/dense/bias", "swapout/dense_1/kernel", "swapout/dense_1/bias"],
                loaded.Layers[0].Variables.Select(v => v.Path));
            var x = TestSupport.Random(6, 1, 5, 4);
            Assert.Equal(model.Predict(x).Data, loaded.Predict(x).Data);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
