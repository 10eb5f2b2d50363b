using Strata.Autodiff;
using Strata.Kernels;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Tensors;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;
using static Strata.Tests.TestSupport;

namespace Strata.Tests.Layers;

/// <summary>Numerics against values PyTorch computed (Fixtures/generate_fixtures.py writes them).</summary>
public class ReferenceTests
{
    private static (Graph Graph, InputNode Input) GraphFor(float[] values, int[] shape, bool gradient = true)
    {
        var graph = new Graph();
        var input = graph.Input(shape, gradient);
        input.Set(new Tensor(shape, values));
        return (graph, input);
    }

    [Theory]
    [InlineData("batchnorm_2d", -1)]
    [InlineData("batchnorm_axis1", 1)]
    public void BatchNormalizationMatchesPyTorch(string fixture, int axis)
    {
        var f = Fixture(fixture);
        var shape = Ints(f["shape"]);
        var layer = new BatchNormalization(new() { Axis = [axis], Momentum = f["momentum"]!.GetValue<double>(), Epsilon = f["epsilon"]!.GetValue<double>() });
        var batchShape = (int[])shape.Clone();
        batchShape[0] = -1;
        layer.Build(batchShape, new RandomGenerator(0));
        Floats(f["gamma"]).CopyTo(layer.Gamma!.Value.Data, 0);
        Floats(f["beta"]).CopyTo(layer.Beta!.Value.Data, 0);

        var (graph, input) = GraphFor(Floats(f["x"]), shape);
        var y = layer.Call(input, true);
        var dy = graph.Input(shape);
        dy.Set(new Tensor(shape, Floats(f["dy"])));
        var loss = Ops.Sum(Ops.Multiply(y, dy));
        graph.Forward();
        graph.Backward(loss);
        AssertClose(Floats(f["y"]), y.Value.Data, 1e-4, "y");
        AssertClose(Floats(f["dx"]), input.Gradient!.Data, 1e-4, "dx");
        AssertClose(Floats(f["dgamma"]), graph.GradientOf(layer.Gamma)!.Data, 1e-4, "dgamma");
        AssertClose(Floats(f["dbeta"]), graph.GradientOf(layer.Beta!)!.Data, 1e-4, "dbeta");
        AssertClose(Floats(f["moving_mean"]), layer.MovingMean!.Value.Data, 1e-5, "moving_mean");
        AssertClose(Floats(f["moving_variance"]), layer.MovingVariance!.Value.Data, 1e-5, "moving_variance");

        // Inference: the moving statistics normalize, and nothing is updated.
        Floats(f["inference_mean"]).CopyTo(layer.MovingMean.Value.Data, 0);
        Floats(f["inference_variance"]).CopyTo(layer.MovingVariance.Value.Data, 0);
        var (g2, in2) = GraphFor(Floats(f["x"]), shape);
        var y2 = layer.Call(in2, false);
        var dy2 = g2.Input(shape);
        dy2.Set(new Tensor(shape, Floats(f["dy"])));
        var loss2 = Ops.Sum(Ops.Multiply(y2, dy2));
        g2.Forward();
        g2.Backward(loss2);
        AssertClose(Floats(f["inference_y"]), y2.Value.Data, 1e-4, "inference y");
        AssertClose(Floats(f["inference_dx"]), in2.Gradient!.Data, 1e-4, "inference dx");
        AssertClose(Floats(f["inference_dgamma"]), g2.GradientOf(layer.Gamma)!.Data, 1e-4, "inference dgamma");
        AssertClose(Floats(f["inference_mean"]), layer.MovingMean.Value.Data, 0, "moving mean untouched");
    }

    [Fact]
    public void FrozenBatchNormalizationRunsInInferenceModeAsKeras()
    {
        var layer = new BatchNormalization { Trainable = false };
        layer.Build([-1, 3], new RandomGenerator(0));
        var (graph, input) = GraphFor([1, 2, 3, 5, 7, 9], [2, 3]);
        var y = layer.Call(input, true);
        graph.Forward();
        // Moving mean 0 and variance 1: y = x / sqrt(1 + 1e-3), and the statistics stay put.
        AssertClose(new[] { 1f, 2, 3, 5, 7, 9 }.Select(v => v / MathF.Sqrt(1.001f)).ToArray(), y.Value.Data, 1e-6);
        Assert.All(layer.MovingMean!.Value.Data, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void DropoutUsesPyTorchsInvertedScaling()
    {
        // PyTorch's draw: kept units are x/(1-p), dropped are 0, and the gradient has the same mask.
        var f = Fixture("dropout");
        float rate = (float)f["rate"]!.GetValue<double>();
        var x = Floats(f["x"]); var y = Floats(f["y"]); var dy = Floats(f["dy"]); var dx = Floats(f["dx"]);
        for (int i = 0; i < x.Length; i++)
        {
            AssertClose([y[i] == 0 ? 0 : x[i] / (1 - rate)], [y[i]], 1e-6, "y");
            AssertClose([y[i] == 0 ? 0 : dy[i] / (1 - rate)], [dx[i]], 1e-6, "dx");
        }
        AssertClose(x, Floats(f["eval_y"]), 0);

        // Strata's draw follows the same rule, with the drop fraction near the rate.
        var layer = new Dropout(rate, seed: 3);
        layer.Build([-1, 32], new RandomGenerator(0));
        var (graph, input) = GraphFor(x, [64, 32]);
        var output = layer.Call(input, true);
        graph.Forward();
        int dropped = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (output.Value.Data[i] == 0) dropped++;
            else AssertClose([x[i] / (1 - rate)], [output.Value.Data[i]], 1e-6, "kept");
        }
        Assert.InRange(dropped / (double)x.Length, rate - 0.05, rate + 0.05);
        Assert.Same(input, layer.Call(input, false));
    }

    [Fact]
    public void DenseMatchesPyTorchLinearWithTransposedWeights()
    {
        var f = Fixture("dense_relu");
        var layer = new Dense(3, "relu");
        layer.Build([-1, 5], new RandomGenerator(0));
        Floats(f["kernel"]).CopyTo(layer.Kernel!.Value.Data, 0);
        Floats(f["bias"]).CopyTo(layer.Bias!.Value.Data, 0);
        var (graph, input) = GraphFor(Floats(f["x"]), [7, 5]);
        var y = layer.Call(input, true);
        var dy = graph.Input([7, 3]);
        dy.Set(new Tensor([7, 3], Floats(f["dy"])));
        var loss = Ops.Sum(Ops.Multiply(y, dy));
        graph.Forward();
        graph.Backward(loss);
        AssertClose(Floats(f["y"]), y.Value.Data, 1e-5, "y");
        AssertClose(Floats(f["dx"]), input.Gradient!.Data, 1e-5, "dx");
        AssertClose(Floats(f["dkernel"]), graph.GradientOf(layer.Kernel)!.Data, 1e-5, "dkernel");
        AssertClose(Floats(f["dbias"]), graph.GradientOf(layer.Bias)!.Data, 1e-5, "dbias");
    }

    [Theory]
    [InlineData("relu", ActivationFunction.Relu)]
    [InlineData("sigmoid", ActivationFunction.Sigmoid)]
    [InlineData("tanh", ActivationFunction.Tanh)]
    [InlineData("elu", ActivationFunction.Elu)]
    [InlineData("selu", ActivationFunction.Selu)]
    [InlineData("gelu", ActivationFunction.Gelu)]
    [InlineData("leaky_relu", ActivationFunction.LeakyRelu)]
    public void ActivationsMatchPyTorch(string name, ActivationFunction function)
    {
        var f = Fixture("activations");
        var z = Floats(f["z"]);
        var y = new float[z.Length];
        ActivationKernels.Forward(function, z, y, z.Length);
        AssertClose(Floats(f[name]), y, 2e-6, name);
    }

    [Fact]
    public void SoftmaxMatchesPyTorch()
    {
        var f = Fixture("softmax");
        var z = Floats(f["z"]);
        var y = new float[z.Length];
        ActivationKernels.Forward(ActivationFunction.Softmax, z, y, f["cols"]!.GetValue<int>());
        AssertClose(Floats(f["y"]), y, 1e-6);
    }

    public static IEnumerable<object[]> LossCases() =>
    [
        ["mae", new MeanAbsoluteError()],
        ["mse", new MeanSquaredError()],
        ["huber", new Huber()],
        ["bce", new BinaryCrossentropy()],
        ["bce_logits", new BinaryCrossentropy(fromLogits: true)],
        ["cce", new CategoricalCrossentropy()],
        ["cce_logits", new CategoricalCrossentropy(fromLogits: true)],
        ["sparse_cce_logits", new SparseCategoricalCrossentropy(fromLogits: true)],
    ];

    [Theory]
    [MemberData(nameof(LossCases))]
    public void LossesAndTheirGradientsMatchPyTorch(string name, Loss loss)
    {
        var f = Fixture("loss_" + name);
        var predShape = Ints(f["pred_shape"]);
        var targetShape = Ints(f["target_shape"]);
        var (graph, pred) = GraphFor(Floats(f["pred"]), predShape);
        var target = graph.Input(targetShape);
        target.Set(new Tensor(targetShape, Floats(f["target"])));
        var value = loss.Compute(pred, target);
        graph.Forward();
        graph.Backward(value);
        Assert.Equal(f["value"]!.GetValue<double>(), value.Value.Data[0], 4);
        AssertClose(Floats(f["grad"]), pred.Gradient!.Data, 1e-4, name);
    }

    [Fact]
    public void AdamMatchesPyTorchWithKerasEpsilon()
    {
        var f = Fixture("adam");
        var w = new Variable("w", new Tensor([10], Floats(f["w0"])), true);
        var adam = new Adam(learningRate: f["lr"]!.GetValue<double>());
        foreach (var g in (System.Text.Json.Nodes.JsonArray)f["grads"]!)
            adam.Apply([w], [new Tensor([10], Floats(g))]);
        AssertClose(Floats(f["w3"]), w.Value.Data, 1e-5);
        Assert.Equal(3, adam.Iterations);
    }
}
