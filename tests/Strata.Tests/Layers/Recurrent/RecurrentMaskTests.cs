using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Pooling;
using Strata.Layers.Recurrent;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Recurrent;

/// <summary>Recurrent layers with a mask: padded steps carry the states and repeat the last output, as in Keras 3.</summary>
public class RecurrentMaskTests
{
    // Row 0 is padded at the end, row 1 in the middle; the inputs at padded steps must not count.
    private static readonly Tensor Steps = new([2, 4, 1], [1, 2, 3, 4, 1, 2, 3, 4]);
    private static readonly Tensor StepMask = new([2, 4], [1, 1, 0, 0, 1, 0, 1, 1]);

    /// <summary>hₜ = xₜ + 0.5·hₜ₋₁: a linear SimpleRNN of one unit whose values are easy to follow by hand.</summary>
    private static SimpleRNN HalfMemory(bool returnSequences, bool goBackwards = false)
    {
        var layer = new SimpleRNN(new SimpleRNNConfig
        {
            Units = 1, Activation = ActivationFunction.Linear, ReturnSequences = returnSequences, GoBackwards = goBackwards,
        });
        layer.Build([-1, 4, 1], new RandomGenerator(1));
        layer.Kernel!.Value.Data[0] = 1;
        layer.RecurrentKernel!.Value.Data[0] = 0.5f;
        layer.Bias!.Value.Data[0] = 0;
        return layer;
    }

    private static float[] Run(IMaskConsumer layer, Tensor x, Tensor mask)
    {
        var graph = new Graph();
        var input = graph.Input(x.ShapeArray());
        input.Set(x);
        var m = graph.Input(mask.ShapeArray());
        m.Set(mask);
        var y = layer.Call(input, m, CallMode.Inference);
        graph.Forward();
        return y.Value.Data.ToArray();
    }

    [Fact]
    public void PaddedStepsRepeatThePreviousOutputAndKeepTheState()
    {
        // Row 0: 1, 2 + 0.5 = 2.5, then padding twice: 2.5, 2.5.
        // Row 1: 1, padding: 1, 3 + 0.5 = 3.5, 4 + 1.75 = 5.75.
        Assert.Equal(new float[] { 1, 2.5f, 2.5f, 2.5f, 1, 1, 3.5f, 5.75f }, Run(HalfMemory(true), Steps, StepMask));
        Assert.Equal(new float[] { 2.5f, 5.75f }, Run(HalfMemory(false), Steps, StepMask));
    }

    [Fact]
    public void GoBackwardsReadsTheMaskReversedWithTheInputs()
    {
        // Read from step 3 to 0. Row 0: padding, padding (the zero start state), 2, 1 + 1 = 2.
        // Row 1: 4, 3 + 2 = 5, padding: 5, 1 + 2.5 = 3.5.
        Assert.Equal(new float[] { 0, 0, 2, 2, 4, 5, 5, 3.5f }, Run(HalfMemory(true, goBackwards: true), Steps, StepMask));
    }

    [Fact]
    public void OutputMaskFollowsReturnSequences()
    {
        var graph = new Graph();
        var mask = graph.Input([2, 4]);
        Assert.Same(mask, ((IMaskConsumer)HalfMemory(true)).OutputMask(mask));
        Assert.Null(((IMaskConsumer)HalfMemory(false)).OutputMask(mask));
    }

    [Fact]
    public void ALstmOnAPaddedBatchMatchesTheUnpaddedSequence()
    {
        var layer = new LSTM(new LSTMConfig { Units = 3, ReturnSequences = true });
        layer.Build([-1, 5, 2], new RandomGenerator(4));
        TestSupport.Random(6, 0.5, 12).Data.CopyTo(layer.Bias!.Value.Data, 0);
        // Row 0 is 3 real steps then 2 steps of garbage; row 1 is 5 real steps.
        var padded = TestSupport.Random(2, 1, 2, 5, 2);
        var mask = new Tensor([2, 5], [1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
        var masked = Run(layer, padded, mask);
        var alone = new Tensor([1, 3, 2], padded.Data[..6]);
        var expected = Run(layer, alone, Tensor.Filled(1, 1, 3));
        TestSupport.AssertClose(expected, masked.AsSpan(0, 9), 1e-6, "present steps");
        for (int s = 3; s < 5; s++) TestSupport.AssertClose(expected.AsSpan(6, 3), masked.AsSpan(3 * s, 3), 1e-6, $"padded step {s}");
        // Row 1 has no padding, so it is the fused node's result without a mask.
        var graph = new Graph();
        var input = graph.Input([2, 5, 2]);
        input.Set(padded);
        var plain = layer.Call(input, CallMode.Inference);
        graph.Forward();
        TestSupport.AssertClose(plain.Value.Data.AsSpan(15, 15), masked.AsSpan(15, 15), 1e-5, "unpadded row");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GradientsMatchFiniteDifferencesWithAMask(bool gru)
    {
        Layer layer = gru
            ? new GRU(new GRUConfig { Units = 2, ReturnSequences = true, GoBackwards = true })
            : new LSTM(new LSTMConfig { Units = 2, ReturnSequences = true });
        layer.Build([-1, 4, 3], new RandomGenerator(5));
        var mask = new Tensor([2, 4], [1, 0, 1, 0, 1, 1, 1, 0]);
        TestSupport.CheckGradients(n =>
        {
            var m = n[0].Graph.Input([2, 4]);
            m.Set(mask);
            return ((IMaskConsumer)layer).Call(n[0], m, CallMode.Inference);
        }, [TestSupport.Random(3, 1, 2, 4, 3)], [.. layer.Variables], step: 1e-3, tolerance: 3e-2);
    }

    [Fact]
    public void ASequenceOutputPassesTheMaskToPooling()
    {
        // Embedding rows r ↦ [r]; token 0 pads. The SimpleRNN gives row 0 (tokens 2, 0, 4, 0): 2, 2, 4 + 1 = 5, 5;
        // the pooling averages only the present steps 0 and 2: (2 + 5) / 2 = 3.5. Row 1 (1, 1, 0, 0): 1, 1.5 → 1.25.
        var rnn = new SimpleRNN(new SimpleRNNConfig { Units = 1, Activation = ActivationFunction.Linear, ReturnSequences = true });
        var model = new Sequential([new InputLayer([-1, 4]), new Embedding(5, 1, maskZero: true), rnn, new GlobalAveragePooling1D()]);
        model.Build([-1, 4]);
        new float[] { 100, 1, 2, 3, 4 }.CopyTo(((Embedding)model.Layers[0]).Embeddings!.Value.Data, 0);
        (rnn.Kernel!.Value.Data[0], rnn.RecurrentKernel!.Value.Data[0], rnn.Bias!.Value.Data[0]) = (1, 0.5f, 0);
        var y = model.Predict(new Tensor([2, 4], [2, 0, 4, 0, 1, 1, 0, 0]));
        TestSupport.AssertClose([3.5f, 1.25f], y.Data, 1e-6);
    }
}
