using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Recurrent;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Recurrent;

/// <summary>Bidirectional: both directions merged step by step, masks, configs and Keras's names (model files: RecurrentTests).</summary>
public sealed class BidirectionalTests
{
    private static readonly Tensor Steps = new([1, 4, 1], [1, 2, 3, 4]);

    /// <summary>
    /// Linear one-unit SimpleRNNs: forward hₜ = xₜ + 0.5·hₜ₋₁, backward hₜ = 2·xₜ + 0.5·hₜ₊₁, whose values
    /// are easy to follow by hand.
    /// </summary>
    private static Bidirectional Linear(string mergeMode, bool returnSequences = true)
    {
        var layer = new Bidirectional(new SimpleRNN(new SimpleRNNConfig
        {
            Units = 1, Activation = ActivationFunction.Linear, ReturnSequences = returnSequences,
        }), mergeMode, "bidirectional");
        layer.Build([-1, 4, 1], new RandomGenerator(1));
        var forward = (SimpleRNN)layer.ForwardLayer;
        var backward = (SimpleRNN)layer.BackwardLayer;
        forward.Kernel!.Value.Data[0] = 1;
        backward.Kernel!.Value.Data[0] = 2;
        forward.RecurrentKernel!.Value.Data[0] = backward.RecurrentKernel!.Value.Data[0] = 0.5f;
        forward.Bias!.Value.Data[0] = backward.Bias!.Value.Data[0] = 0;
        return layer;
    }

    private static float[] Run(Layer layer, Tensor x, Tensor? mask = null)
    {
        var graph = new Graph();
        var input = graph.Input(x.ShapeArray());
        input.Set(x);
        Node y;
        if (mask is null) y = layer.Call(input, CallMode.Inference);
        else
        {
            var m = graph.Input(mask.ShapeArray());
            m.Set(mask);
            y = ((IMaskConsumer)layer).Call(input, m, CallMode.Inference);
        }
        graph.Forward();
        return y.Value.Data.ToArray();
    }

    // Forward over 1, 2, 3, 4: 1, 2.5, 4.25, 6.125. Backward reads 4, 3, 2, 1: 8, 10, 9, 6.5, so by time step 6.5, 9, 10, 8.
    [Theory]
    [InlineData("concat", new float[] { 1, 6.5f, 2.5f, 9, 4.25f, 10, 6.125f, 8 })]
    [InlineData("sum", new float[] { 7.5f, 11.5f, 14.25f, 14.125f })]
    [InlineData("mul", new float[] { 6.5f, 22.5f, 42.5f, 49 })]
    [InlineData("ave", new float[] { 3.75f, 5.75f, 7.125f, 7.0625f })]
    public void TheBackwardSequenceIsReversedInTimeBeforeTheMerge(string mergeMode, float[] expected) =>
        Assert.Equal(expected, Run(Linear(mergeMode), Steps));

    [Fact]
    public void WithoutSequencesEachDirectionGivesItsLastState()
    {
        Assert.Equal(new float[] { 6.125f, 6.5f }, Run(Linear("concat", returnSequences: false), Steps));
        Assert.Equal(new[] { -1, 2 }, Linear("concat", returnSequences: false).OutputShape);
        Assert.Equal(new[] { -1, 4, 1 }, Linear("sum").OutputShape);
    }

    [Fact]
    public void TheMaskReachesBothDirections()
    {
        // Steps 2 and 3 are padding. Forward: 1, 2.5, then the state kept. Backward reads padding twice (0, 0),
        // then 4 and 2 + 2 = 4; by time step 4, 4, 0, 0. Keras's Bidirectional forces zero_output_for_mask, so the
        // padded steps give 0 in both directions rather than the forward layer's repeated 2.5.
        var layer = Linear("sum");
        Assert.Equal(new float[] { 5, 6.5f, 0, 0 }, Run(layer, Steps, new Tensor([1, 4], [1, 1, 0, 0])));
        Assert.NotNull(((IMaskConsumer)layer).OutputMask(new Graph().Input([1, 4])));
        Assert.Null(((IMaskConsumer)Linear("sum", returnSequences: false)).OutputMask(new Graph().Input([1, 4])));
    }

    [Fact]
    public void TheOutputIsTheTwoLayersRunApartAndConcatenated()
    {
        var layer = new Bidirectional(new LSTM(3, returnSequences: true));
        layer.Build([-1, 5, 2], new RandomGenerator(3));
        var forward = new LSTM(3, returnSequences: true);
        var backward = new LSTM(new LSTMConfig { Units = 3, ReturnSequences = true, GoBackwards = true });
        forward.Build([-1, 5, 2], new RandomGenerator(9));
        backward.Build([-1, 5, 2], new RandomGenerator(9));
        var weights = layer.Variables.ToList();
        var apart = forward.Variables.Concat(backward.Variables).ToList();
        Assert.Equal(6, weights.Count);
        for (int i = 0; i < weights.Count; i++) weights[i].Value.Data.CopyTo(apart[i].Value.Data, 0);

        var x = TestSupport.Random(4, 1, 2, 5, 2);
        float[] f = Run(forward, x), b = Run(backward, x), merged = Run(layer, x);
        Assert.Equal(2 * 5 * 6, merged.Length);
        for (int row = 0; row < 2; row++)
            for (int t = 0; t < 5; t++)
                for (int u = 0; u < 3; u++)
                {
                    Assert.Equal(f[(row * 5 + t) * 3 + u], merged[(row * 5 + t) * 6 + u]);
                    Assert.Equal(b[(row * 5 + 4 - t) * 3 + u], merged[(row * 5 + t) * 6 + 3 + u]);
                }
    }

    [Fact]
    public void TheLayersAreNamedAsKerasNamesThemAndTheForwardWeightsComeFirst()
    {
        var layer = new Bidirectional(new GRU(2), "ave", "bidirectional");
        layer.Build([-1, 3, 4], new RandomGenerator(1));
        Assert.Equal("forward_gru", layer.ForwardLayer.Name);
        Assert.Equal("backward_gru", layer.BackwardLayer.Name);
        Assert.True(((GRU)layer.BackwardLayer).Config.GoBackwards);
        Assert.Equal(
            ["bidirectional/forward_gru/kernel", "bidirectional/forward_gru/recurrent_kernel", "bidirectional/forward_gru/bias",
             "bidirectional/backward_gru/kernel", "bidirectional/backward_gru/recurrent_kernel", "bidirectional/backward_gru/bias"],
            layer.Variables.Select(v => v.Path));
        var config = layer.GetConfig();
        Assert.Equal("gru", config["layer"]!["config"]!["name"]!.GetValue<string>());
        Assert.Equal("ave", config["merge_mode"]!.GetValue<string>());
    }

    /// <summary>A Bidirectional config around <see cref="Inner"/> with <paramref name="more"/> (", key: value" pairs) added.</summary>
    private static Layer Read(string more = "") =>
        LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "Bidirectional", "config": {"name": "bi", "layer": """ + Inner + more + "}}"), 0);

    private const string Inner = """{"class_name": "SimpleRNN", "config": {"name": "rnn", "units": 2, "return_sequences": true}}""";

    [Fact]
    public void KerasConfigsLoadAndRefuseWhatASequentialCannotDo()
    {
        var read = (Bidirectional)Read();
        Assert.Equal("concat", read.MergeMode);
        Assert.Equal("forward_rnn", read.ForwardLayer.Name);

        var none = Assert.ThrowsAny<Exception>(() => Read(""", "merge_mode": null"""));
        Assert.Contains("merge_mode", none.Message);
        Assert.Throws<ArgumentException>(() => new Bidirectional(new SimpleRNN(2), "max"));
        Assert.Throws<ArgumentException>(() => new Bidirectional(new SimpleRNN(2), null));
        Assert.Throws<ArgumentException>(() => new Bidirectional(new Dense(2)));

        // Keras's own copy, go_backwards flipped, is accepted; any other backward layer is not.
        const string same = """{"class_name": "SimpleRNN", "config": {"name": "back", "units": 2, "return_sequences": true, "go_backwards": true}}""";
        Read(""", "merge_mode": "sum", "backward_layer": """ + same);
        const string other = """{"class_name": "SimpleRNN", "config": {"name": "back", "units": 3, "return_sequences": true, "go_backwards": true}}""";
        var e = Assert.ThrowsAny<Exception>(() => Read(""", "backward_layer": """ + other));
        Assert.Contains("backward_layer", e.Message);
    }
}
