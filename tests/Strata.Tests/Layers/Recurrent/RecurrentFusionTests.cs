using Strata.Autodiff;
using Strata.Layers.Recurrent;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Recurrent;

/// <summary>The fused LSTM and GRU sequence nodes against the same layers recorded step by step, and against finite differences.</summary>
public class RecurrentFusionTests
{
    public static IEnumerable<object[]> Configs() =>
    [
        [new LSTMConfig { Units = 3 }],
        [new LSTMConfig { Units = 4, ReturnSequences = true, GoBackwards = true, RecurrentDropout = 0.4, Dropout = 0.3, Seed = 2 }],
        [new LSTMConfig { Units = 2, ReturnSequences = true, Activation = ActivationFunction.Relu, RecurrentActivation = ActivationFunction.HardSigmoid }],
        [new LSTMConfig { Units = 3, Activation = ActivationFunction.Gelu, RecurrentDropout = 0.5, Weights = new() { UseBias = false } }],
        [new GRUConfig { Units = 3 }],
        [new GRUConfig { Units = 4, ReturnSequences = true, GoBackwards = true, RecurrentDropout = 0.4, Dropout = 0.3, Seed = 2 }],
        [new GRUConfig { Units = 2, ReturnSequences = true, Activation = ActivationFunction.Elu, RecurrentActivation = ActivationFunction.HardSigmoid }],
        [new GRUConfig { Units = 3, Activation = ActivationFunction.Gelu, RecurrentDropout = 0.5, Weights = new() { UseBias = false } }],
    ];

    private static Strata.Layers.Layer Create(RecurrentConfig config, bool fused) => config switch
    {
        LSTMConfig lstm => new LSTM(lstm) { Name = "rnn", Fused = fused },
        GRUConfig gru => new GRU(gru) { Name = "rnn", Fused = fused },
        _ => throw new ArgumentException("LSTM or GRU configs only.", nameof(config)),
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void FusedAndSteppedAgreeInValueAndGradient(RecurrentConfig config)
    {
        var x = TestSupport.Random(4, 1, 3, 5, 4);
        (float[] Output, float[][] Gradients, int Nodes) Run(bool fused)
        {
            var layer = Create(config, fused);
            layer.Build([-1, 5, 4], new RandomGenerator(3));
            foreach (var v in layer.Variables.Where(v => v.Name == "bias")) TestSupport.Random(6, 0.5, v.Value.ShapeArray()).Data.CopyTo(v.Value.Data, 0);
            layer.RandomStreams.Single().Seed = 7;
            var graph = new Graph();
            var input = graph.Input([3, 5, 4], requiresGradient: true);
            input.Set(x);
            var y = layer.Call(input, CallMode.Training);
            var weights = graph.Input(y.Value.ShapeArray());
            weights.Set(TestSupport.Random(8, 1, y.Value.ShapeArray()));
            var loss = Ops.Sum(Ops.Multiply(y, weights));
            graph.Forward();
            graph.Backward(loss);
            return (y.Value.Data.ToArray(), [input.Gradient!.Data.ToArray(), .. layer.Variables.Select(v => graph.GradientOf(v)!.Data.ToArray())], graph.Nodes.Count);
        }
        var fused = Run(true);
        var stepped = Run(false);
        Assert.True(fused.Nodes < 20 && stepped.Nodes > 50, $"{fused.Nodes} fused nodes, {stepped.Nodes} stepped");
        TestSupport.AssertClose(stepped.Output, fused.Output, 1e-5, "output");
        Assert.Equal(stepped.Gradients.Length, fused.Gradients.Length);
        for (int i = 0; i < fused.Gradients.Length; i++) TestSupport.AssertClose(stepped.Gradients[i], fused.Gradients[i], 1e-4, $"gradient {i}");
    }

    [Fact]
    public void TheFusedNodesMatchFiniteDifferences()
    {
        var stream = new RandomStream(5);
        Node Mask(Graph g) => Ops.RandomBernoulli(g, [2, 3], 0.7f, 1 / 0.7f, stream);
        TestSupport.CheckGradients(n => Ops.LstmSequence(n[0], n[1], Mask(n[0].Graph), ActivationFunction.Tanh, ActivationFunction.Sigmoid, goBackwards: true),
            [TestSupport.Random(1, 1, 2, 4, 12), TestSupport.Random(2, 0.5, 3, 12)], beforeForward: () => stream.Step = 1, step: 1e-3, tolerance: 3e-2);
        TestSupport.CheckGradients(n => Ops.GruSequence(n[0], n[1], n[2], Mask(n[0].Graph), ActivationFunction.Tanh, ActivationFunction.Sigmoid, goBackwards: true),
            [TestSupport.Random(1, 1, 2, 4, 9), TestSupport.Random(2, 0.5, 3, 9), TestSupport.Random(3, 0.5, 9)], beforeForward: () => stream.Step = 1, step: 1e-3, tolerance: 3e-2);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void AForwardOnlyGraphKeepsOneStepAndGivesTheSameBitsAsOneReadyForBackward(RecurrentConfig config)
    {
        var x = TestSupport.Random(9, 1, 3, 6, 4);
        var layer = Create(config, fused: true);
        layer.Build([-1, 6, 4], new RandomGenerator(3));
        float[] Run(bool forwardOnly)
        {
            var graph = new Graph { ForwardOnly = forwardOnly };
            var input = graph.Input([3, 6, 4], requiresGradient: !forwardOnly);
            input.Set(x);
            var y = layer.Call(input, CallMode.Inference);
            Assert.Equal(!forwardOnly, y.RequiresGradient);
            graph.Forward();
            return y.Value.Data.ToArray();
        }
        Assert.Equal(Run(forwardOnly: false), Run(forwardOnly: true));
    }
}
