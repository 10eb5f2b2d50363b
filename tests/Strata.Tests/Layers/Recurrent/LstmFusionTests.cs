using Strata.Autodiff;
using Strata.Layers.Recurrent;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Recurrent;

/// <summary>The fused LSTM sequence node against the same layer recorded step by step, and against finite differences.</summary>
public class LstmFusionTests
{
    public static IEnumerable<object[]> Configs() =>
    [
        [new LSTMConfig { Units = 3 }],
        [new LSTMConfig { Units = 4, ReturnSequences = true, GoBackwards = true, RecurrentDropout = 0.4, Dropout = 0.3, Seed = 2 }],
        [new LSTMConfig { Units = 2, ReturnSequences = true, Activation = ActivationFunction.Relu, RecurrentActivation = ActivationFunction.HardSigmoid }],
        [new LSTMConfig { Units = 3, Activation = ActivationFunction.Gelu, RecurrentDropout = 0.5, Weights = new() { UseBias = false } }],
    ];

    [Theory]
    [MemberData(nameof(Configs))]
    public void FusedAndSteppedAgreeInValueAndGradient(LSTMConfig config)
    {
        var x = TestSupport.Random(4, 1, 3, 5, 4);
        (float[] Output, float[][] Gradients) Run(bool fused)
        {
            var layer = new LSTM(config) { Name = "lstm", Fused = fused };
            layer.Build([-1, 5, 4], new RandomGenerator(3));
            layer.RandomStream.Seed = 7;
            var graph = new Graph();
            var input = graph.Input([3, 5, 4], requiresGradient: true);
            input.Set(x);
            var y = layer.Call(input, CallMode.Training);
            var weights = graph.Input(y.Value.ShapeArray());
            weights.Set(TestSupport.Random(8, 1, y.Value.ShapeArray()));
            var loss = Ops.Sum(Ops.Multiply(y, weights));
            graph.Forward();
            graph.Backward(loss);
            return (y.Value.Data.ToArray(), [input.Gradient!.Data.ToArray(), .. layer.Variables.Select(v => graph.GradientOf(v)!.Data.ToArray())]);
        }
        var (fusedOutput, fusedGradients) = Run(true);
        var (steppedOutput, steppedGradients) = Run(false);
        TestSupport.AssertClose(steppedOutput, fusedOutput, 1e-5, "output");
        Assert.Equal(steppedGradients.Length, fusedGradients.Length);
        for (int i = 0; i < fusedGradients.Length; i++) TestSupport.AssertClose(steppedGradients[i], fusedGradients[i], 1e-4, $"gradient {i}");
    }

    [Fact]
    public void TheFusedNodeMatchesFiniteDifferences()
    {
        var stream = new RandomStream(5);
        var mask = new Func<Graph, Node>(g => Ops.RandomBernoulli(g, [2, 3], 0.7f, 1 / 0.7f, stream));
        TestSupport.CheckGradients(n => Ops.LstmSequence(n[0], n[1], mask(n[0].Graph), ActivationFunction.Tanh, ActivationFunction.Sigmoid, goBackwards: true),
            [TestSupport.Random(1, 1, 2, 4, 12), TestSupport.Random(2, 0.5, 3, 12)], beforeForward: () => stream.Step = 1, step: 1e-3, tolerance: 3e-2);
    }
}
