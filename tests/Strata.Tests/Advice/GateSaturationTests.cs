using Strata.Advice;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Recurrent;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Advice;

/// <summary>The saturation of recurrent gates on tiny layers whose weights are set by hand, so each gate's values follow from the cell's equations.</summary>
public sealed class GateSaturationTests
{
    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>A built model of <paramref name="layer"/> over [batch, steps, features], every weight of the layer zero.</summary>
    private static Sequential Zeroed(Layer layer, int steps, int features)
    {
        var model = new Sequential([new InputLayer([-1, steps, features]), layer], seed: 1);
        model.Build([-1, steps, features]);
        foreach (var w in layer.Variables) Array.Clear(w.Value.Data);
        return model;
    }

    private static GateDiagnosis Gate(RecurrentDiagnosis d, string name) => Assert.Single(d.Gates, g => g.Gate == name);

    [Fact]
    public void ZeroWeightsPutEveryLstmGateAtOneHalfAndNoneIsSaturated()
    {
        var lstm = new LSTM(2);
        Zeroed(lstm, steps: 3, features: 2);
        var d = GateSaturation.Measure(lstm, TestSupport.Random(1, 3.0, 5, 3, 2));
        Assert.Equal(["i", "f", "c", "o"], d.Gates.Select(g => g.Gate));
        foreach (var name in new[] { "i", "f", "o" })
        {
            Assert.Equal(0, Gate(d, name).Saturated);
            Assert.Equal(0.5, Gate(d, name).Mean, 1e-7);
        }
        // The candidate is tanh(0) = 0.
        Assert.Equal(0, Gate(d, "c").Saturated);
        Assert.Equal(0, Gate(d, "c").Mean, 1e-7);
    }

    [Fact]
    public void AHugeForgetBiasSaturatesTheForgetGateAtEveryStep()
    {
        var lstm = new LSTM(2);
        Zeroed(lstm, steps: 3, features: 2);
        // Gates in Keras's order i, f, c, o: the forget gate's bias is entries 2 and 3.
        lstm.Bias!.Value.Data[2] = lstm.Bias.Value.Data[3] = 20;
        var d = GateSaturation.Measure(lstm, TestSupport.Random(2, 3.0, 5, 3, 2));
        Assert.Equal(1.0, Gate(d, "f").Saturated);
        Assert.Equal(Sigmoid(20), Gate(d, "f").Mean, 1e-6);
        Assert.Equal(0, Gate(d, "i").Saturated);
        Assert.Equal(0, Gate(d, "o").Saturated);
    }

    [Fact]
    public void SigmoidGatesSaturateBeyondFiveHundredthsAndTanhBeyondNinetyFiveHundredths()
    {
        // One unit, kernel 1 for every gate, no recurrence: each gate sees the input itself. σ(2) = 0.881 is not
        // saturated, tanh(2) = 0.964 is; σ(4) = 0.982 and tanh(4) = 0.9993 both are.
        var lstm = new LSTM(1);
        Zeroed(lstm, steps: 3, features: 1);
        lstm.Kernel!.Value.Data.AsSpan().Fill(1f);
        var d = GateSaturation.Measure(lstm, new Tensor([1, 3, 1], [0f, 2f, 4f]));
        foreach (var name in new[] { "i", "f", "o" })
        {
            Assert.Equal(1.0 / 3, Gate(d, name).Saturated, 1e-12);
            Assert.Equal((0.5 + Sigmoid(2) + Sigmoid(4)) / 3, Gate(d, name).Mean, 1e-6);
        }
        Assert.Equal(2.0 / 3, Gate(d, "c").Saturated, 1e-12);
        Assert.Equal((0 + Math.Tanh(2) + Math.Tanh(4)) / 3, Gate(d, "c").Mean, 1e-6);
    }

    [Fact]
    public void TheLstmRecurrenceCarriesTheStateIntoTheNextStepsGates()
    {
        // Step 1 from zero states: i = f = o = 0.5, c̃ = tanh(1), c₁ = 0.5·tanh(1), h₁ = 0.5·tanh(c₁).
        // Step 2: the output gate also sees 6·h₁, so o₂ = σ(6·h₁); the other gates are as before.
        var lstm = new LSTM(1);
        Zeroed(lstm, steps: 2, features: 1);
        lstm.Bias!.Value.Data[2] = 1;
        lstm.RecurrentKernel!.Value.Data[3] = 6;
        var d = GateSaturation.Measure(lstm, new Tensor(1, 2, 1));
        double h1 = 0.5 * Math.Tanh(0.5 * Math.Tanh(1));
        Assert.Equal((0.5 + Sigmoid(6 * h1)) / 2, Gate(d, "o").Mean, 1e-6);
        Assert.Equal(0.5, Gate(d, "i").Mean, 1e-7);
        Assert.Equal(Math.Tanh(1), Gate(d, "c").Mean, 1e-6);
    }

    [Fact]
    public void GruGatesFollowTheResetAfterEquations()
    {
        // One unit, zero kernel and zero z, r weights, so z = r = 0.5. Candidate ĥ = tanh(b_in + r·(h·u + b_rec))
        // with b_in = 1, u = 6, b_rec = 1: ĥ₁ = tanh(1.5), h₁ = 0.5·ĥ₁; ĥ₂ = tanh(1 + 0.5·(6·h₁ + 1)).
        var gru = new GRU(1);
        Zeroed(gru, steps: 2, features: 1);
        var bias = gru.Bias!.Value.Data; // [2, 3]: the input bias row, then the recurrent one.
        bias[2] = 1;
        bias[5] = 1;
        gru.RecurrentKernel!.Value.Data[2] = 6;
        var d = GateSaturation.Measure(gru, new Tensor(1, 2, 1));
        Assert.Equal(["z", "r", "h"], d.Gates.Select(g => g.Gate));
        double first = Math.Tanh(1.5), second = Math.Tanh(1 + 0.5 * (6 * 0.5 * first + 1));
        Assert.Equal((first + second) / 2, Gate(d, "h").Mean, 1e-6);
        // tanh(1.5) = 0.905 is not saturated, tanh(2.86) = 0.993 is.
        Assert.Equal(0.5, Gate(d, "h").Saturated);
        Assert.Equal(0.5, Gate(d, "z").Mean, 1e-7);
        Assert.Equal(0, Gate(d, "r").Saturated);
    }

    [Fact]
    public void ASimpleRnnReportsItsOutputWhichMatchesTheLayersOwnSequence()
    {
        var rnn = new SimpleRNN(3, returnSequences: true);
        var model = new Sequential([new InputLayer([-1, 5, 2]), rnn], seed: 4);
        model.Build([-1, 5, 2]);
        for (int i = 0; i < rnn.Kernel!.Value.Size; i++) rnn.Kernel.Value.Data[i] *= 4;
        var x = TestSupport.Random(5, 1.5, 7, 5, 2);
        var d = GateSaturation.Measure(rnn, x);
        var h = Assert.Single(d.Gates);
        Assert.Equal("h", h.Gate);
        // The layer's own forward pass gives the same outputs: their mean and share beyond ±0.95.
        var y = model.Predict(x);
        Assert.Equal(y.Data.Average(v => (double)v), h.Mean, 1e-5);
        Assert.Equal(y.Data.Count(v => Math.Abs(v) > 0.95) / (double)y.Size, h.Saturated, 1e-12);
        Assert.InRange(h.Saturated, 0.05, 0.95);
    }

    [Fact]
    public void DiagnosePaddedStepsAreNotCountedAndBothDirectionsAreReported()
    {
        // Token 1 embeds to 0, token 2 to 4, padding (0) to 4 too: the two present steps give σ(0) and σ(4), so half
        // the gate values are saturated; counting the padded step would make it two thirds.
        var embedding = new Embedding(3, 1, maskZero: true);
        var lstm = new LSTM(1);
        var model = new Sequential([new InputLayer([-1, 3]), embedding, new Bidirectional(lstm), new Dense(1)], seed: 2);
        model.Build([-1, 3]);
        embedding.Embeddings!.Value.Data[0] = 4;
        embedding.Embeddings.Value.Data[1] = 0;
        embedding.Embeddings.Value.Data[2] = 4;
        var bidirectional = (Bidirectional)model.Layers[1];
        foreach (var cell in new[] { bidirectional.ForwardLayer, bidirectional.BackwardLayer })
        {
            var recurrent = (LSTM)cell;
            foreach (var w in recurrent.Variables) Array.Clear(w.Value.Data);
            recurrent.Kernel!.Value.Data.AsSpan().Fill(1f);
        }
        var report = Diagnosis.Run(model, new Tensor([2, 3], [1f, 2f, 0f, 2f, 1f, 0f]));
        Assert.Equal(["forward_lstm", "backward_lstm"], report.Recurrent.Select(r => r.Layer.Name));
        Assert.All(report.Recurrent, r => Assert.Equal(1, r.Layer.Index));
        foreach (var r in report.Recurrent)
        {
            Assert.Equal(0.5, Gate(r, "i").Saturated, 1e-12);
            Assert.Equal((0.5 + Sigmoid(4)) / 2, Gate(r, "f").Mean, 1e-6);
        }
        var text = DiagnosisText.ToText(report, "two rows");
        Assert.Contains("Recurrent gates", text);
        Assert.Contains("forward_lstm", text);
        var json = DiagnosisText.ToJson(report)["recurrent"]!.AsArray();
        Assert.Equal(2, json.Count);
        Assert.Equal("i", json[0]!["gates"]![0]!["gate"]!.GetValue<string>());
        Assert.Equal(0.5, json[0]!["gates"]![0]!["saturated"]!.GetValue<double>(), 1e-12);
    }

    [Fact]
    public void AModelWithoutRecurrentLayersReportsNone()
    {
        var model = new Sequential([new InputLayer([-1, 4]), new Dense(2)], seed: 1);
        var report = Diagnosis.Run(model, TestSupport.Random(1, 1.0, 10, 4));
        Assert.Empty(report.Recurrent);
        Assert.DoesNotContain("Recurrent gates", DiagnosisText.ToText(report, "ten rows"));
    }
}
