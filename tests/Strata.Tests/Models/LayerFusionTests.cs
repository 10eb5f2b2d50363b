using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;

namespace Strata.Tests.Models;

/// <summary>
/// A model's graphs write a BatchNormalization's relu Activation in the BatchNormalization's own pass:
/// training, prediction and the moving statistics are the bits of the two nodes apart.
/// </summary>
public class LayerFusionTests
{
    private static Sequential Model(bool fuses)
    {
        var model = new Sequential(
        [
            new InputLayer([-1, 8, 8, 1]),
            new Conv2D(4, 3), new BatchNormalization(), new Activation("relu"),
            new MaxPooling2D(), new Dropout(0.2),
            new Flatten(), new Dense(6), new BatchNormalization(), new Activation("relu"), new Dropout(0.3),
            // Not fused: a tanh, and a relu after another layer.
            new Dense(5), new BatchNormalization(), new Activation("tanh"), new Activation("relu"),
            new Dense(3, "softmax"),
        ], seed: 4) { FusesLayers = fuses };
        model.Compile(new Adam(), new SparseCategoricalCrossentropy());
        return model;
    }

    [Fact]
    public void FusedAndSeparateNodesTrainAndPredictTheSameBits()
    {
        var x = TestSupport.Random(1, 1, 40, 8, 8, 1);
        var y = new Tensor([40], Enumerable.Range(0, 40).Select(i => (float)(i % 3)).ToArray());
        var fused = Model(fuses: true);
        var separate = Model(fuses: false);
        // 40 rows in batches of 16: the last batch of 8 gets graphs of its own.
        var fusedHistory = fused.Fit(x, y, batchSize: 16, epochs: 3, seed: 2);
        var separateHistory = separate.Fit(x, y, batchSize: 16, epochs: 3, seed: 2);
        Assert.Equal(separateHistory["loss"], fusedHistory["loss"]);
        var (fusedWeights, separateWeights) = (fused.GetWeights(), separate.GetWeights());
        Assert.Equal(separateWeights, fusedWeights);
        Assert.Equal(separate.Predict(x, batchSize: 16).Data, fused.Predict(x, batchSize: 16).Data);

        // The fused graph has two nodes fewer, each a BatchNormalization writing a relu's output.
        var fusedStep = fused.GetStep(16, CallMode.Training, targets: true);
        var separateStep = separate.GetStep(16, CallMode.Training, targets: true);
        Assert.Equal(separateStep.Graph.Nodes.Count - 2, fusedStep.Graph.Nodes.Count);
        Assert.Equal(2, fusedStep.Graph.Nodes.Count(n => n is BatchNormNode { FusesRelu: true }));
        Assert.DoesNotContain(separateStep.Graph.Nodes, n => n is BatchNormNode { FusesRelu: true });
    }

    [Fact]
    public void TheFusedNodePassesFiniteDifferences()
    {
        var layer = new BatchNormalization();
        layer.Build([-1, 5], new RandomGenerator(3));
        // β shifts some channels below zero, so the relu cuts part of each.
        layer.Beta!.Value.Data.AsSpan().Fill(0.3f);
        layer.Beta.Value.Data[1] = -0.4f;
        TestSupport.CheckGradients(n =>
        {
            var bn = (BatchNormNode)layer.Call(n[0], CallMode.Training);
            Assert.True(bn.FuseRelu());
            return bn;
        }, [TestSupport.Random(8, 1, 12, 5)], layer.Variables.Where(v => v.Trainable).ToList(), step: 1e-3, sharesGradients: true);
    }

    [Fact]
    public void ANodeAlreadyReadIsNotFused()
    {
        var graph = new Graph();
        var input = graph.Input([4, 3]);
        var layer = new BatchNormalization();
        layer.Build([-1, 3], new RandomGenerator(1));
        var bn = (BatchNormNode)layer.Call(input, CallMode.Training);
        _ = Ops.Activation(bn, ActivationFunction.Tanh);
        Assert.False(bn.FuseRelu());
        Assert.False(bn.FusesRelu);
    }
}
