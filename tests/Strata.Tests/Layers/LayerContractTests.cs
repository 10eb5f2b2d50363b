using Strata.Autodiff;
using System.Text.Json.Nodes;
using Strata.Layers;
using Strata.Layers.Constraints;
using Strata.Layers.Convolutional;
using Strata.Layers.Pooling;
using Strata.Layers.Recurrent;
using Strata.Layers.Reshaping;
using Strata.Layers.Regularizers;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Tensors;
using Xunit;
using NormalizationLayer = Strata.Layers.Normalization.Normalization;

namespace Strata.Tests.Layers;

/// <summary>The checks every layer passes: output shape, weight counts, config round trip, gradients in both modes.</summary>
public class LayerContractTests
{
    public static IEnumerable<object[]> Layers() =>
    [
        [(Func<Layer>)(() => new Dense(4, "tanh")), new[] { 5, 3 }, new[] { -1, 4 }, 2, 0],
        [(Func<Layer>)(() => new Dense(new DenseConfig { Units = 2, Weights = new() { UseBias = false } })), new[] { 5, 3 }, new[] { -1, 2 }, 1, 0],
        [(Func<Layer>)(() => new Activation("elu")), new[] { 4, 3 }, new[] { -1, 3 }, 0, 0],
        [(Func<Layer>)(() => new Flatten()), new[] { 2, 3, 4 }, new[] { -1, 12 }, 0, 0],
        [(Func<Layer>)(() => new Reshape([3, -1])), new[] { 2, 12 }, new[] { -1, 3, 4 }, 0, 0],
        [(Func<Layer>)(() => new Dropout(0.3, seed: 1)), new[] { 6, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new Dropout(0.5, noiseShape: [-1, 1, 3], seed: 2)), new[] { 4, 5, 3 }, new[] { -1, 5, 3 }, 0, 0],
        [(Func<Layer>)(() => new BatchNormalization()), new[] { 8, 3 }, new[] { -1, 3 }, 2, 2],
        [(Func<Layer>)(() => new BatchNormalization(new() { Axis = [1], ScaleAndCenter = new() { Center = false } })), new[] { 4, 3, 2 }, new[] { -1, 3, 2 }, 1, 2],
        [(Func<Layer>)(() => new NormalizationLayer(mean: [1, 2, 3], variance: [4, 1, 0.25f])), new[] { 5, 3 }, new[] { -1, 3 }, 0, 2],
        [(Func<Layer>)(() => new Dense(new DenseConfig
        {
            Units = 3, Activation = ActivationFunction.Relu, ActivityRegularizer = Regularizer.L1(),
            Weights = new() { Kernel = new(Initializer.GlorotUniform(), Regularizer.L1L2(0.01, 0.02), Constraint.MaxNorm(1.5)), Bias = new(Initializer.Zeros(), Regularizer.L2(), Constraint.NonNeg()) },
        })), new[] { 5, 4 }, new[] { -1, 3 }, 2, 0],
        [(Func<Layer>)(() => new SpatialDropout1D(0.5, seed: 3)), new[] { 4, 5, 3 }, new[] { -1, 5, 3 }, 0, 0],
        [(Func<Layer>)(() => new SpatialDropout2D(0.5, seed: 4)), new[] { 3, 4, 4, 2 }, new[] { -1, 4, 4, 2 }, 0, 0],
        [(Func<Layer>)(() => new SpatialDropout2D(new SpatialDropoutConfig { Rate = 0.5, DataFormat = DataFormat.ChannelsFirst })), new[] { 3, 2, 4, 4 }, new[] { -1, 2, 4, 4 }, 0, 0],
        [(Func<Layer>)(() => new SpatialDropout3D(0.5)), new[] { 2, 3, 2, 3, 2 }, new[] { -1, 3, 2, 3, 2 }, 0, 0],
        [(Func<Layer>)(() => new GaussianDropout(0.3, seed: 5)), new[] { 5, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new GaussianNoise(0.5)), new[] { 5, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new AlphaDropout(0.2)), new[] { 6, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new AlphaDropout(0.2, noiseShape: [-1, 1, 3])), new[] { 4, 5, 3 }, new[] { -1, 5, 3 }, 0, 0],
        [(Func<Layer>)(() => new DropBlock2D(0.3, blockSize: 3)), new[] { 2, 6, 6, 2 }, new[] { -1, 6, 6, 2 }, 0, 0],
        [(Func<Layer>)(() => new DropBlock2D(new DropBlock2DConfig { Rate = 0.3, BlockSize = [2, 3] })), new[] { 2, 5, 6, 1 }, new[] { -1, 5, 6, 1 }, 0, 0],
        [(Func<Layer>)(() => new DropConnect(new Dense(3, "tanh"), 0.4)), new[] { 5, 4 }, new[] { -1, 3 }, 2, 0],
        [(Func<Layer>)(() => new StochasticDepth(0.5)), new[] { 6, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new StochasticDepth(new StochasticDepthConfig { Rate = 0.5, Mode = StochasticDepthMode.Batch })), new[] { 6, 2, 2 }, new[] { -1, 2, 2 }, 0, 0],
        [(Func<Layer>)(() => new Residual([new Dense(4, "tanh"), new BatchNormalization(), new Dense(4), new StochasticDepth(0.3)])),
            new[] { 6, 4 }, new[] { -1, 4 }, 6, 2],
        [(Func<Layer>)(() => new TimeDistributed(new Dense(3, "tanh"))), new[] { 2, 4, 5 }, new[] { -1, 4, 3 }, 2, 0],
        [(Func<Layer>)(() => new TimeDistributed(new Conv2D(2, 2, activation: "tanh"))), new[] { 2, 3, 4, 3, 2 }, new[] { -1, 3, 3, 2, 2 }, 2, 0],
        [(Func<Layer>)(() => new TimeDistributed(new BatchNormalization())), new[] { 3, 4, 3 }, new[] { -1, 4, 3 }, 2, 2],
        [(Func<Layer>)(() => new Swapout([new Dense(4, "tanh"), new BatchNormalization()], 0.6, 0.7, seed: 5)), new[] { 6, 4 }, new[] { -1, 4 }, 4, 2],
        [(Func<Layer>)(() => new Swapout([new Dense(4), new Dropout(0.3)], 0, 0.5)), new[] { 6, 4 }, new[] { -1, 4 }, 2, 0],
        [(Func<Layer>)(() => new WeightedChannelDropout(0.5, 0.2, seed: 6)), new[] { 3, 4, 3, 5 }, new[] { -1, 4, 3, 5 }, 0, 0],
        [(Func<Layer>)(() => new WeightedChannelDropout(0.4)), new[] { 2, 6, 4 }, new[] { -1, 6, 4 }, 0, 0],
        // r and d are held constant in the backward pass, so finite differences agree only where clipping pins them.
        [(Func<Layer>)(() => new BatchNormalization(new() { Renorm = true, RenormClipping = new RenormClipping(1, 1, 0) })), new[] { 8, 3 }, new[] { -1, 3 }, 2, 4],
        [(Func<Layer>)(() => new BatchNormalization(new() { VirtualBatchSize = 4 })), new[] { 8, 3 }, new[] { -1, 3 }, 2, 2],
        [(Func<Layer>)(() => new BatchNormalization(new() { Axis = [1, 3] })), new[] { 4, 3, 2, 5 }, new[] { -1, 3, 2, 5 }, 2, 2],
        [(Func<Layer>)(() => new BatchNormalization(new()
        {
            MovingStatistics = MovingStatistics.Cumulative, UnbiasedMovingVariance = true,
            ScaleAndCenter = new() { Gamma = new(Initializer.Ones(), Regularizer.L2(0.1)), Beta = new(Initializer.Zeros(), Constraint: Constraint.UnitNorm()) },
        })), new[] { 8, 3 }, new[] { -1, 3 }, 2, 3],
        [(Func<Layer>)(() => new LayerNormalization()), new[] { 5, 6 }, new[] { -1, 6 }, 2, 0],
        [(Func<Layer>)(() => new LayerNormalization([1, 2], center: false)), new[] { 3, 4, 5 }, new[] { -1, 4, 5 }, 1, 0],
        [(Func<Layer>)(() => new LayerNormalization(rmsScaling: true)), new[] { 5, 6 }, new[] { -1, 6 }, 1, 0],
        [(Func<Layer>)(() => new GroupNormalization(groups: 2)), new[] { 3, 5, 4 }, new[] { -1, 5, 4 }, 2, 0],
        [(Func<Layer>)(() => new GroupNormalization(groups: 2, axis: 1, scale: false)), new[] { 3, 4, 5 }, new[] { -1, 4, 5 }, 1, 0],
        [(Func<Layer>)(() => new Conv2D(4, 3, activation: "tanh")), new[] { 2, 6, 5, 3 }, new[] { -1, 4, 3, 4 }, 2, 0],
        [(Func<Layer>)(() => new Conv2D(4, [3, 2], strides: [2, 1], padding: "same", useBias: false)), new[] { 2, 7, 5, 2 }, new[] { -1, 4, 5, 4 }, 1, 0],
        [(Func<Layer>)(() => new Conv2D(6, [3, 3], dilationRate: [2, 2], padding: "same", groups: 3, activation: "elu")), new[] { 2, 7, 6, 3 }, new[] { -1, 7, 6, 6 }, 2, 0],
        [(Func<Layer>)(() => new Conv2D(4, [2, 2], strides: [2, 2], groups: 2)), new[] { 3, 5, 5, 4 }, new[] { -1, 2, 2, 4 }, 2, 0],
        [(Func<Layer>)(() => new Conv1D(3, 3, padding: "causal", dilationRate: 2)), new[] { 2, 7, 2 }, new[] { -1, 7, 3 }, 2, 0],
        [(Func<Layer>)(() => new Conv1D(4, 2, strides: 2, padding: "same", activation: "relu")), new[] { 3, 7, 3 }, new[] { -1, 4, 4 }, 2, 0],
        [(Func<Layer>)(() => new DepthwiseConv2D([3, 3], padding: "same")), new[] { 2, 5, 5, 3 }, new[] { -1, 5, 5, 3 }, 2, 0],
        [(Func<Layer>)(() => new DepthwiseConv2D([2, 3], strides: [2, 2], depthMultiplier: 2)), new[] { 2, 6, 7, 2 }, new[] { -1, 3, 3, 4 }, 2, 0],
        [(Func<Layer>)(() => new MaxPooling2D()), new[] { 2, 6, 5, 3 }, new[] { -1, 3, 2, 3 }, 0, 0],
        [(Func<Layer>)(() => new MaxPooling2D([3, 3], [2, 2], "same")), new[] { 2, 5, 6, 2 }, new[] { -1, 3, 3, 2 }, 0, 0],
        [(Func<Layer>)(() => new MaxPoolingDropout2D(0.4, seed: 3)), new[] { 2, 6, 5, 3 }, new[] { -1, 3, 2, 3 }, 0, 0],
        [(Func<Layer>)(() => new MaxPoolingDropout2D(0.3, [3, 3], [2, 2], "same")), new[] { 2, 5, 6, 2 }, new[] { -1, 3, 3, 2 }, 0, 0],
        [(Func<Layer>)(() => new AveragePooling2D([2, 3], [1, 2], "same")), new[] { 2, 5, 6, 2 }, new[] { -1, 5, 3, 2 }, 0, 0],
        [(Func<Layer>)(() => new MaxPooling1D([2])), new[] { 2, 7, 3 }, new[] { -1, 3, 3 }, 0, 0],
        [(Func<Layer>)(() => new AveragePooling1D([3], [2], "same")), new[] { 2, 7, 3 }, new[] { -1, 4, 3 }, 0, 0],
        [(Func<Layer>)(() => new GlobalAveragePooling2D()), new[] { 2, 4, 3, 5 }, new[] { -1, 5 }, 0, 0],
        [(Func<Layer>)(() => new GlobalMaxPooling2D(keepDims: true)), new[] { 2, 4, 3, 5 }, new[] { -1, 1, 1, 5 }, 0, 0],
        [(Func<Layer>)(() => new GlobalAveragePooling1D()), new[] { 2, 6, 3 }, new[] { -1, 3 }, 0, 0],
        [(Func<Layer>)(() => new GlobalMaxPooling1D()), new[] { 2, 6, 3 }, new[] { -1, 3 }, 0, 0],
        [(Func<Layer>)(() => new ZeroPadding2D(1, 2, 0, 3)), new[] { 2, 3, 4, 2 }, new[] { -1, 6, 7, 2 }, 0, 0],
        [(Func<Layer>)(() => new SimpleRNN(3)), new[] { 2, 4, 3 }, new[] { -1, 3 }, 3, 0],
        [(Func<Layer>)(() => new SimpleRNN(new SimpleRNNConfig { Units = 2, ReturnSequences = true, GoBackwards = true, Dropout = 0.3, RecurrentDropout = 0.4, Seed = 3 })),
            new[] { 3, 4, 2 }, new[] { -1, 4, 2 }, 3, 0],
        [(Func<Layer>)(() => new LSTM(3, dropout: 0.3, recurrentDropout: 0.3)), new[] { 2, 4, 3 }, new[] { -1, 3 }, 3, 0],
        [(Func<Layer>)(() => new LSTM(new LSTMConfig { Units = 2, ReturnSequences = true, GoBackwards = true, Weights = new() { UseBias = false } })),
            new[] { 2, 3, 4 }, new[] { -1, 3, 2 }, 2, 0],
        [(Func<Layer>)(() => new WeightDropLSTM(3, 0.4, seed: 2)), new[] { 2, 4, 3 }, new[] { -1, 3 }, 3, 0],
        [(Func<Layer>)(() => new WeightDropLSTM(new WeightDropLSTMConfig { Units = 2, WeightDropout = 0.5, Dropout = 0.2, RecurrentDropout = 0.3, ReturnSequences = true, GoBackwards = true })),
            new[] { 2, 3, 4 }, new[] { -1, 3, 2 }, 3, 0],
        [(Func<Layer>)(() => new GRU(3, dropout: 0.2, recurrentDropout: 0.3)), new[] { 2, 4, 3 }, new[] { -1, 3 }, 3, 0],
        [(Func<Layer>)(() => new GRU(new GRUConfig { Units = 3, ResetAfter = false, ReturnSequences = true, GoBackwards = true, RecurrentDropout = 0.3 })),
            new[] { 2, 4, 2 }, new[] { -1, 4, 3 }, 3, 0],
        [(Func<Layer>)(() => new Bidirectional(new LSTM(2, returnSequences: true, recurrentDropout: 0.3))), new[] { 2, 3, 2 }, new[] { -1, 3, 4 }, 6, 0],
        [(Func<Layer>)(() => new Bidirectional(new GRU(new GRUConfig { Units = 2, GoBackwards = true, Dropout = 0.2 }), "ave")), new[] { 2, 4, 3 }, new[] { -1, 2 }, 6, 0],
        [(Func<Layer>)(() => new Bidirectional(new SimpleRNN(2, returnSequences: true), "mul")), new[] { 2, 3, 2 }, new[] { -1, 3, 2 }, 6, 0],
    ];

    [Theory]
    [MemberData(nameof(Layers))]
    public void ShapesWeightsConfigAndGradients(Func<Layer> create, int[] inputShape, int[] expectedOutput, int trainable, int nonTrainable)
    {
        var layer = create();
        layer.Name = "layer";
        var batchShape = (int[])inputShape.Clone();
        batchShape[0] = -1;
        layer.Build(batchShape, new RandomGenerator(1));
        Assert.Equal(expectedOutput, layer.OutputShape);
        Assert.Equal(trainable, layer.TrainableVariables.Count());
        Assert.Equal(nonTrainable, layer.NonTrainableVariables.Count());

        var config = layer.GetConfig();
        var copy = LayerRegistry.FromConfig(new JsonObject { ["class_name"] = layer.ClassName, ["config"] = config.DeepClone() }, 0);
        Assert.Equal(config.ToJsonString(), copy.GetConfig().ToJsonString());

        var x = TestSupport.Random(7, 1.5, inputShape);
        var streams = layer.RandomStreams.ToList();
        foreach (var mode in new[] { CallMode.Training, CallMode.Inference, CallMode.MonteCarlo })
        {
            // Freezing the streams' step gives every finite-difference evaluation the same noise.
            TestSupport.CheckGradients(n => layer.Call(n[0], mode), [x], layer.TrainableVariables.ToList(),
                beforeForward: () => streams.ForEach(s => s.Step = 1), step: 1e-3, tolerance: 3e-2);
        }
    }

    [Fact]
    public void ArgumentsAreValidatedWithKerasStyleMessages()
    {
        Assert.Contains("Received: rate=1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5)).Message);
        Assert.Contains("units=0", Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(0)).Message);
        Assert.Contains("Unknown activation 'swishy'", Assert.Throws<ArgumentException>(() => new Dense(3, "swishy")).Message);
        Assert.Contains("momentum=1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNormalization(new() { Momentum = 1.5 })).Message);
        var e = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "Conv9D", "config": {}}"""), 4));
        Assert.Contains("Unknown layer class 'Conv9D' (layer 4)", e.Message);
        e = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "Dense", "config": {"name": "d", "units": "many"}}"""), 1));
        Assert.Contains("argument 'units' of Dense layer 'd'", e.Message);
    }

    [Fact]
    public void NormalizationAdaptsAndStandardizes()
    {
        var layer = new NormalizationLayer();
        var data = new Tensor([4, 2], [1, 10, 2, 20, 3, 30, 4, 40]);
        layer.Adapt(data);
        Assert.Equal(new[] { 2.5f, 25f }, layer.Mean!.Value.Data);
        Assert.Equal(new[] { 1.25f, 125f }, layer.Variance!.Value.Data);
        var graph = new Strata.Autodiff.Graph();
        var input = graph.Input([4, 2]);
        input.Set(data);
        var y = layer.Call(input, false);
        graph.Forward();
        double mean = y.Value.Data.Where((_, i) => i % 2 == 1).Average();
        Assert.Equal(0, mean, 5);
        Assert.Equal(-1.5f / MathF.Sqrt(1.25f), y.Value.Data[0], 5);
    }

    [Fact]
    public void InitializersFollowKerasFans()
    {
        var t = new Tensor(300, 200);
        Initializer.GlorotUniform().Fill(t, new RandomGenerator(1));
        double limit = Math.Sqrt(6.0 / 500);
        Assert.All(t.Data, v => Assert.InRange(v, -limit, limit));
        double variance = t.Data.Select(v => (double)v * v).Average();
        Assert.Equal(2.0 / 500, variance, 4);
        Initializer.HeNormal().Fill(t, new RandomGenerator(2));
        Assert.Equal(2.0 / 300, t.Data.Select(v => (double)v * v).Average(), 3);
    }
}
