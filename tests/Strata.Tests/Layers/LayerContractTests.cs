using System.Text.Json.Nodes;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers;

/// <summary>The checks every layer passes: output shape, weight counts, config round trip, gradients in both modes.</summary>
public class LayerContractTests
{
    public static IEnumerable<object[]> Layers() =>
    [
        [(Func<Layer>)(() => new Dense(4, "tanh")), new[] { 5, 3 }, new[] { -1, 4 }, 2, 0],
        [(Func<Layer>)(() => new Dense(2, useBias: false)), new[] { 5, 3 }, new[] { -1, 2 }, 1, 0],
        [(Func<Layer>)(() => new Activation("elu")), new[] { 4, 3 }, new[] { -1, 3 }, 0, 0],
        [(Func<Layer>)(() => new Flatten()), new[] { 2, 3, 4 }, new[] { -1, 12 }, 0, 0],
        [(Func<Layer>)(() => new Dropout(0.3, seed: 1)), new[] { 6, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new Dropout(0.5, noiseShape: [-1, 1, 3], seed: 2)), new[] { 4, 5, 3 }, new[] { -1, 5, 3 }, 0, 0],
        [(Func<Layer>)(() => new BatchNormalization()), new[] { 8, 3 }, new[] { -1, 3 }, 2, 2],
        [(Func<Layer>)(() => new BatchNormalization(axis: 1, center: false)), new[] { 4, 3, 2 }, new[] { -1, 3, 2 }, 1, 2],
        [(Func<Layer>)(() => new Normalization(mean: [1, 2, 3], variance: [4, 1, 0.25f])), new[] { 5, 3 }, new[] { -1, 3 }, 0, 2],
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
        foreach (bool training in new[] { true, false })
        {
            var stream = (layer as Dropout)?.RandomStream;
            TestSupport.CheckGradients(n => layer.Call(n[0], training), [x], layer.TrainableVariables.ToList(),
                beforeForward: stream is null ? null : () => stream.Step = 1, step: 1e-3, tolerance: 3e-2);
        }
    }

    [Fact]
    public void ArgumentsAreValidatedWithKerasStyleMessages()
    {
        Assert.Contains("Received: rate=1.5", Assert.Throws<StrataException>(() => new Dropout(1.5)).Message);
        Assert.Contains("units=0", Assert.Throws<StrataException>(() => new Dense(0)).Message);
        Assert.Contains("Unknown activation 'swishy'", Assert.Throws<StrataException>(() => new Dense(3, "swishy")).Message);
        Assert.Contains("momentum=1.5", Assert.Throws<StrataException>(() => new BatchNormalization(momentum: 1.5)).Message);
        var e = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "Conv9D", "config": {}}"""), 4));
        Assert.Contains("Unknown layer class 'Conv9D' (layer 4)", e.Message);
        e = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "Dense", "config": {"name": "d", "units": "many"}}"""), 1));
        Assert.Contains("argument 'units' of Dense layer 'd'", e.Message);
    }

    [Fact]
    public void NormalizationAdaptsAndStandardizes()
    {
        var layer = new Normalization();
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
