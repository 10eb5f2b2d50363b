using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Formats;
using Strata.Formats.Keras;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Recurrent;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Recurrent;

/// <summary>
/// WeightDropLSTM against a plain LSTM (itself checked against PyTorch in <see cref="RecurrentReferenceTests"/>)
/// whose recurrent kernel was dropped by hand: one mask per call, shared by every row and step, identity at inference.
/// </summary>
public sealed class WeightDropLSTMTests : IDisposable
{
    private const int Batch = 5, Steps = 6, Features = 3, Units = 4, Seed = 11;
    private const double Rate = 0.5;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-weightdrop-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly Tensor X = TestSupport.Random(21, 1, Batch, Steps, Features);

    private static WeightDropLSTM Dropped(bool fused = true, bool goBackwards = false) =>
        new(new WeightDropLSTMConfig { Units = Units, WeightDropout = Rate, ReturnSequences = true, GoBackwards = goBackwards, Seed = Seed }) { Fused = fused };

    /// <summary>Builds <paramref name="layer"/> with the weights every test shares (a non-zero bias included).</summary>
    private static T Built<T>(T layer) where T : LSTM
    {
        layer.Build([-1, Steps, Features], new RandomGenerator(3));
        TestSupport.Random(4, 0.5, layer.Bias!.Value.Size).Data.CopyTo(layer.Bias.Value.Data, 0);
        return layer;
    }

    /// <summary>
    /// The mask of the stream's draw number <paramref name="step"/>, from the stream's documented rule (every mask
    /// value a pure function of the key and its index): kept with probability 1 − rate, then scaled by 1/(1 − rate).
    /// </summary>
    private static float[] ExpectedMask(ulong step)
    {
        ulong key = RandomGenerator.Key(Seed, step);
        return [.. Enumerable.Range(0, Units * 4 * Units).Select(i => RandomGenerator.Uniform(key, (ulong)i) < 1 - Rate ? (float)(1 / (1 - Rate)) : 0f)];
    }

    private static (float[] Output, float[] RecurrentGradient) Run(LSTM layer, CallMode mode, int calls = 1)
    {
        var graph = new Graph();
        var input = graph.Input([Batch, Steps, Features]);
        input.Set(X);
        var y = layer.Call(input, mode);
        var weights = graph.Input(y.Value.ShapeArray());
        weights.Set(TestSupport.Random(8, 1, y.Value.ShapeArray()));
        var loss = Ops.Sum(Ops.Multiply(y, weights));
        for (int i = 0; i < calls; i++) graph.Forward();
        graph.Backward(loss);
        return (y.Value.Data.ToArray(), graph.GradientOf(layer.RecurrentKernel!)!.Data.ToArray());
    }

    /// <summary>A plain LSTM with <paramref name="like"/>'s weights, its recurrent kernel multiplied by <paramref name="mask"/> when given.</summary>
    private static LSTM Plain(LSTM like, float[]? mask = null, bool goBackwards = false)
    {
        var plain = Built(new LSTM(new LSTMConfig { Units = Units, ReturnSequences = true, GoBackwards = goBackwards }));
        like.Kernel!.Value.Data.CopyTo(plain.Kernel!.Value.Data, 0);
        like.Bias!.Value.Data.CopyTo(plain.Bias!.Value.Data, 0);
        var u = plain.RecurrentKernel!.Value.Data;
        like.RecurrentKernel!.Value.Data.CopyTo(u, 0);
        if (mask is not null)
            for (int i = 0; i < u.Length; i++) u[i] *= mask[i];
        return plain;
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void TrainingRunsTheLstmWithItsRecurrentKernelDroppedByHand(bool fused, bool goBackwards)
    {
        var layer = Built(Dropped(fused, goBackwards));
        var mask = ExpectedMask(0);
        // Some entries dropped, some kept (64 fair coins), and the kept ones scaled to w/(1 − rate) = 2w.
        Assert.InRange(mask.Count(m => m == 0f), 16, 48);
        Assert.All(mask, m => Assert.True(m is 0f or 2f));
        var (output, _) = Run(layer, CallMode.Training);
        var (expected, _) = Run(Plain(layer, mask, goBackwards), CallMode.Inference);
        TestSupport.AssertClose(expected, output, 1e-5, "training output");
        Assert.Equal(1ul, layer.RandomStream.Step);
        // Without the mask the output differs: the mask is really there.
        Assert.True(Run(Plain(layer, goBackwards: goBackwards), CallMode.Inference).Output.Zip(output).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void EveryRowAndStepOfACallSharesOneMaskAndTheNextCallDrawsAnother()
    {
        var layer = Built(Dropped());
        // Two forward passes: the gradient belongs to the second, whose mask is the stream's draw number 1.
        var (output, gradient) = Run(layer, CallMode.Training, calls: 2);
        var mask = ExpectedMask(1);
        Assert.NotEqual(ExpectedMask(0), mask);
        // dL/dU sums over all rows and steps; it is exactly 0 at a dropped entry only if no row or step kept it.
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0f) Assert.True(gradient[i] == 0f, $"dropped entry {i} has gradient {gradient[i]}");
            else Assert.True(gradient[i] != 0f, $"kept entry {i} has no gradient");
        }
        TestSupport.AssertClose(Run(Plain(layer, mask), CallMode.Inference).Output, output, 1e-6, "second call");
    }

    [Fact]
    public void InferenceIsThePlainLstmAndMonteCarloDrops()
    {
        var layer = Built(Dropped());
        var plain = Run(Plain(layer), CallMode.Inference).Output;
        Assert.Equal(plain, Run(layer, CallMode.Inference).Output);
        Assert.Equal(0ul, layer.RandomStream.Step);
        TestSupport.AssertClose(Run(Plain(layer, ExpectedMask(0)), CallMode.Inference).Output, Run(layer, CallMode.MonteCarlo).Output, 1e-6, "Monte-Carlo pass");
        // A rate of 0 draws nothing and is the plain LSTM in training too.
        var none = Built(new WeightDropLSTM(new WeightDropLSTMConfig { Units = Units, ReturnSequences = true, Seed = Seed }));
        Assert.Equal(plain, Run(none, CallMode.Training).Output);
        Assert.Equal(0ul, none.RandomStream.Step);
    }

    [Fact]
    public void GradientsMatchFiniteDifferencesWithTheMaskHeld()
    {
        var layer = Built(new WeightDropLSTM(new WeightDropLSTMConfig { Units = 3, WeightDropout = 0.4, Dropout = 0.2, RecurrentDropout = 0.3, ReturnSequences = true, Seed = 5 }));
        TestSupport.CheckGradients(n => layer.Call(n[0], CallMode.Training), [TestSupport.Random(6, 1, 2, Steps, Features)], [.. layer.TrainableVariables],
            beforeForward: () => layer.RandomStream.Step = 0, step: 1e-3, tolerance: 3e-2);
    }

    [Fact]
    public void WeightDropoutIsValidatedByName()
    {
        foreach (double rate in new[] { 1.0, -0.1 })
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => new WeightDropLSTM(4, rate));
            Assert.Equal("weight_dropout", e.ParamName);
            Assert.Contains($"Received: weight_dropout={rate}", e.Message);
        }
        var read = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "WeightDropLSTM", "config": {"name": "w", "units": 2, "weight_dropout": 1.5}}"""), 0));
        Assert.Contains("weight_dropout", read.Message);
    }

    [Fact]
    public void TheConfigAndAModelFileRoundTrip()
    {
        var layer = new WeightDropLSTM(new WeightDropLSTMConfig { Units = 5, WeightDropout = 0.3, Dropout = 0.1, UnitForgetBias = false, ReturnSequences = true, Seed = 9, Name = "awd" });
        var config = layer.GetConfig();
        Assert.Equal(0.3, config["weight_dropout"]!.GetValue<double>());
        Assert.Equal(0.1, config["dropout"]!.GetValue<double>());
        Assert.False(config["unit_forget_bias"]!.GetValue<bool>());
        var copy = Assert.IsType<WeightDropLSTM>(LayerRegistry.FromConfig(LayerRegistry.ToConfig(layer), 0));
        Assert.Equal(0.3, copy.WeightDropout);
        Assert.Equal(config.ToJsonString(), copy.GetConfig().ToJsonString());

        var model = new Sequential([
            new InputLayer([-1, Steps, Features]),
            layer,
            new Bidirectional(new WeightDropLSTM(3, 0.4), "sum"),
            new Dense(2),
        ], seed: 4);
        var x = TestSupport.Random(7, 1, 8, Steps, Features);
        var expected = model.Predict(x);
        string path = Path.Combine(_dir.FullName, "awd.strata");
        model.Save(path);
        var loaded = Sequential.Load(path);
        Assert.Equal(expected.Data, loaded.Predict(x).Data);
        Assert.Equal(model.Layers.Select(l => l.GetConfig().ToJsonString()), loaded.Layers.Select(l => l.GetConfig().ToJsonString()));
        Assert.IsType<WeightDropLSTM>(Assert.IsType<Bidirectional>(loaded.Layers[1]).BackwardLayer);
        Assert.Equal(["awd/kernel", "awd/recurrent_kernel", "awd/bias"], loaded.Layers[0].Variables.Select(v => v.Path));
        // The weight masks make Monte-Carlo passes vary; the same seed repeats them.
        var mc = loaded.Predict(x, mcSamples: 6, seed: 1);
        Assert.Contains(mc.StandardDeviation.Data, s => s > 1e-4);
        Assert.Equal(mc.Mean.Data, loaded.Predict(x, mcSamples: 6, seed: 1).Mean.Data);
    }

    [Fact]
    public void KerasExportRefusesItByName()
    {
        var model = new Sequential([new InputLayer([-1, Steps, Features]), new WeightDropLSTM(3, 0.5, name: "odd"), new Dense(1)]);
        foreach (var (save, extension) in new (Action<Sequential, string>, string)[] { (KerasExport.SaveKeras, ".keras"), (KerasExport.SaveH5, ".h5") })
        {
            var e = Assert.Throws<StrataException>(() => save(model, Path.Combine(_dir.FullName, "odd" + extension)));
            Assert.StartsWith("Layer 'odd' (WeightDropLSTM) exists only in Strata and has no Keras form", e.Message);
            Assert.Empty(_dir.GetFiles());
        }
    }
}
