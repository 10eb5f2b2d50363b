using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Regularization;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Autodiff;

/// <summary>
/// A training graph lets a node share the gradient buffer of a consumer that rewrites it in place
/// (element-wise activations, BatchNormalization, dropout): the gradients are the bits of a graph
/// where every node has its own buffer, and a node read twice keeps its own.
/// </summary>
public class SharedGradientTests
{
    private static Layer[] ConvolutionalLayers() =>
    [
        new Conv2D(4, 3), new BatchNormalization(), new Activation("relu"),
        new MaxPooling2D(), new Dropout(0.3),
        new Flatten(), new Dense(6), new Dropout(0.2), new BatchNormalization(), new Activation("tanh"),
        new Dense(3, "softmax"),
    ];

    private sealed record Pass(float[] InputGradient, float[][] VariableGradients, Graph Graph, Node[] Nodes);

    private static Pass Run(Layer[] layers, Tensor x, bool shares, Func<Node, Node>? tail = null)
    {
        var graph = new Graph { SharesGradients = shares };
        var input = graph.Input(x.ShapeArray(), requiresGradient: true);
        input.Set(x);
        Node h = input;
        var nodes = new List<Node> { input };
        var random = new RandomGenerator(1);
        foreach (var layer in layers)
        {
            if (!layer.IsBuilt) layer.Build([-1, .. h.Shape[1..]], random);
            layer.Reseed(new RandomGenerator(2));
            h = layer.Call(h, CallMode.Training);
            nodes.Add(h);
        }
        if (tail is not null) { h = tail(h); nodes.Add(h); }
        var weights = graph.Input(h.Value.ShapeArray());
        weights.Set(TestSupport.Random(7, 1, h.Value.ShapeArray()));
        var loss = Ops.Sum(Ops.Multiply(h, weights));
        graph.Forward();
        graph.Backward(loss);
        var variables = layers.SelectMany(l => l.Variables).Where(v => v.Trainable).ToList();
        Assert.NotEmpty(variables);
        return new Pass(input.Gradient!.Data.ToArray(), variables.Select(v => graph.GradientOf(v)!.Data.ToArray()).ToArray(), graph, nodes.ToArray());
    }

    private static void AssertSameGradients(Pass own, Pass shared)
    {
        Assert.Equal(own.InputGradient, shared.InputGradient);
        Assert.Equal(own.VariableGradients.Length, shared.VariableGradients.Length);
        for (int i = 0; i < own.VariableGradients.Length; i++)
            Assert.Equal(own.VariableGradients[i], shared.VariableGradients[i]);
        // The gradient reached the input and every variable.
        Assert.Contains(own.InputGradient, v => v != 0);
        Assert.All(own.VariableGradients, g => Assert.Contains(g, v => v != 0));
    }

    private static int OwnBuffers(Graph graph) =>
        graph.Nodes.Where(node => node.Gradient is not null).Select(node => node.Gradient!.Data).Distinct(ReferenceEqualityComparer.Instance).Count();

    [Fact]
    public void SharedBuffersGiveTheGradientsOfOwnBuffers()
    {
        var layers = ConvolutionalLayers();
        var x = TestSupport.Random(3, 1, 5, 8, 8, 2);
        var own = Run(layers, x, shares: false);
        var shared = Run(layers, x, shares: true);
        AssertSameGradients(own, shared);

        // Conv2D's output, BatchNormalization's and the relu's gradients are one buffer; pooling's is its own.
        var n = shared.Nodes;
        Assert.Same(n[1].Gradient!.Data, n[3].Gradient!.Data);
        Assert.Same(n[2].Gradient!.Data, n[3].Gradient!.Data);
        Assert.NotSame(n[3].Gradient!.Data, n[4].Gradient!.Data);
        // Pooling, dropout; the Dense, dropout, BatchNormalization, tanh chain.
        Assert.Same(n[4].Gradient!.Data, n[5].Gradient!.Data);
        Assert.Same(n[7].Gradient!.Data, n[10].Gradient!.Data);
        Assert.Equal(OwnBuffers(own.Graph) - 6, OwnBuffers(shared.Graph));
    }

    [Fact]
    public void BatchNormalizationOverAnInnerAxisRewritesInPlace()
    {
        Layer[] layers = [new Dense(4), new BatchNormalization(new BatchNormalizationConfig { Axis = [1] }), new Activation("relu"), new Flatten(), new Dense(2)];
        var x = TestSupport.Random(5, 1, 6, 3, 5);
        var own = Run(layers, x, shares: false);
        var shared = Run(layers, x, shares: true);
        AssertSameGradients(own, shared);
        Assert.Same(shared.Nodes[1].Gradient!.Data, shared.Nodes[3].Gradient!.Data);
    }

    [Fact]
    public void ANodeReadTwiceKeepsItsOwnBuffer()
    {
        // tanh's output feeds a relu and the sum after it: its gradient adds the two.
        Layer[] layers = [new Dense(5), new Activation("tanh")];
        Node Tail(Node h) => Ops.Add(new ActivationNode(ActivationFunction.Relu, h), h);
        var x = TestSupport.Random(4, 1, 6, 3);
        var own = Run(layers, x, shares: false, Tail);
        var shared = Run(layers, x, shares: true, Tail);
        AssertSameGradients(own, shared);
        var tanh = shared.Nodes[2];
        Assert.NotSame(tanh.Gradient!.Data, tanh.Graph.Nodes.Single(node => node is ActivationNode && node.Inputs[0] == tanh).Gradient!.Data);
    }

    [Fact]
    public void SharedBuffersPassFiniteDifferences()
    {
        var layers = new Layer[] { new Dense(4), new BatchNormalization(), new Activation("relu"), new Dropout(0.25), new Dense(2) };
        TestSupport.CheckGradients(n =>
        {
            Node h = n[0];
            foreach (var layer in layers)
            {
                if (!layer.IsBuilt) layer.Build([-1, .. h.Shape[1..]], new RandomGenerator(5));
                h = layer.Call(h, CallMode.Training);
            }
            return h;
        }, [TestSupport.Random(6, 1, 8, 3)], layers.SelectMany(l => l.Variables).Where(v => v.Trainable).ToList(),
            beforeForward: () => layers[3].Reseed(new RandomGenerator(9)), step: 1e-3, sharesGradients: true);
    }
}
