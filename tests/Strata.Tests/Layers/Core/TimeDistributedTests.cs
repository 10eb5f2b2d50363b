using System.Text.Json.Nodes;
using Strata.Formats;
using Strata.Layers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Pooling;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Core;

public class TimeDistributedTests
{
    [Fact]
    public void WrappedDenseMatchesTheProductAtEveryStep()
    {
        var layer = new TimeDistributed(new Dense(2), "td");
        layer.Build([-1, 3, 4], new RandomGenerator(1));
        Assert.Equal([-1, 3, 2], layer.OutputShape);
        var dense = (Dense)layer.Layer;
        float[] kernel = [1, -1, 2, 0.5f, 0, 3, -2, 1];
        kernel.CopyTo(dense.Kernel!.Value.Data, 0);
        new float[] { 0.25f, -0.5f }.CopyTo(dense.Bias!.Value.Data, 0);
        // x[b, t, i] = b + t/10 + i/100, so every step's product is known by hand.
        var x = new Tensor(2, 3, 4);
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 3; t++)
                for (int i = 0; i < 4; i++) x.Data[(b * 3 + t) * 4 + i] = b + t / 10f + i / 100f;
        var y = TestSupport.Apply(layer, x, CallMode.Inference);
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 3; t++)
            {
                double s = b + t / 10.0;
                // Column sums of the kernel: (1 + 2 + 0 - 2, -1 + 0.5 + 3 + 1); row-weighted: i/100 against column j.
                double y0 = s * 1 + (0 * 1 + 1 * 2 + 2 * 0 + 3 * -2) / 100.0 + 0.25;
                double y1 = s * 3.5 + (0 * -1 + 1 * 0.5 + 2 * 3 + 3 * 1) / 100.0 - 0.5;
                Assert.Equal(y0, y[(b * 3 + t) * 2], 5);
                Assert.Equal(y1, y[(b * 3 + t) * 2 + 1], 5);
            }
        // Dense over the last axis of a 3-D input is the same map, with the same weights.
        Assert.Equal(TestSupport.Apply(dense, x, CallMode.Inference), y);
        Assert.Equal(["td/dense/kernel", "td/dense/bias"], layer.Variables.Select(v => v.Path));
    }

    [Fact]
    public void WrappedConvolutionAndFlattenMatchThemAppliedStepByStep()
    {
        var x = TestSupport.Random(3, 1, 2, 3, 5, 4, 2);
        foreach (var (inner, perStep) in new (Layer, int[])[] { (new Conv2D(3, 2, activation: "tanh"), [4, 3, 3]), (new Flatten(), [40]) })
        {
            var layer = new TimeDistributed(inner);
            var y = TestSupport.Apply(layer, x, CallMode.Training);
            Assert.Equal([-1, 3, .. perStep], layer.OutputShape);
            int stepIn = 5 * 4 * 2, stepOut = perStep.Aggregate(1, (a, d) => a * d);
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < 3; t++)
                {
                    var step = new Tensor([1, 5, 4, 2], x.Data.AsSpan((b * 3 + t) * stepIn, stepIn).ToArray());
                    var expected = TestSupport.Apply(inner, step, CallMode.Training);
                    Assert.Equal(expected, y.AsSpan((b * 3 + t) * stepOut, stepOut).ToArray());
                }
        }
    }

    [Fact]
    public void ReadsAKeras3ConfigAndWritesItBack()
    {
        const string policy = """{"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}""";
        var json = JsonNode.Parse($$$$"""
            {"module": "keras.layers", "class_name": "TimeDistributed", "config": {
              "name": "time_distributed_4", "trainable": true, "dtype": {{{{policy}}}},
              "layer": {"module": "keras.layers", "class_name": "Dense", "config": {
                "name": "dense_9", "trainable": true, "dtype": {{{{policy}}}}, "units": 8, "activation": "relu", "use_bias": true,
                "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
                "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
                "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null},
                "registered_name": null, "build_config": {"input_shape": [null, 16]}}},
             "registered_name": null, "build_config": {"input_shape": [null, 10, 16]}}
            """);
        var layer = Assert.IsType<TimeDistributed>(LayerRegistry.FromConfig(json, 0));
        Assert.Equal("time_distributed_4", layer.Name);
        var dense = Assert.IsType<Dense>(layer.Layer);
        Assert.Equal("dense_9", dense.Name);
        Assert.Equal(8, dense.Config.Units);
        Assert.Equal(ActivationFunction.Relu, dense.Activation);
        var config = layer.GetConfig();
        Assert.Equal("Dense", config["layer"]!["class_name"]!.GetValue<string>());
        var copy = LayerRegistry.FromConfig(new JsonObject { ["class_name"] = "TimeDistributed", ["config"] = config.DeepClone() }, 0);
        Assert.Equal(config.ToJsonString(), copy.GetConfig().ToJsonString());

        var e = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "TimeDistributed", "config": {"name": "t"}}"""), 0));
        Assert.Contains("needs a 'layer' object", e.Message);
        Assert.Throws<ArgumentException>(() => new TimeDistributed(new InputLayer([-1, 3])));
        Assert.Contains("at least rank 3", Assert.Throws<StrataException>(() => new TimeDistributed(new Dense(2)).Build([-1, 4], new RandomGenerator(1))).Message);
    }

    [Fact]
    public void SavesAndLoadsWithTheInnerLayersWeights()
    {
        var model = new Sequential([new InputLayer([-1, 4, 3]), new TimeDistributed(new Dense(5, "tanh")), new Flatten(), new Dense(1)], seed: 4);
        string dir = Directory.CreateTempSubdirectory("strata-timedist").FullName;
        try
        {
            string path = Path.Combine(dir, "m.strata");
            ModelFile.Save(model, path);
            var loaded = ModelFile.Load(path);
            Assert.Equal(model.Layers[0].GetConfig().ToJsonString(), loaded.Layers[0].GetConfig().ToJsonString());
            Assert.Equal(["time_distributed/dense/kernel", "time_distributed/dense/bias"], loaded.Layers[0].Variables.Select(v => v.Path));
            var x = TestSupport.Random(6, 1, 5, 4, 3);
            Assert.Equal(model.Predict(x).Data, loaded.Predict(x).Data);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void AMaskOnTheStepsPassesThrough()
    {
        // Padding index 0 masks steps; pooling after the wrapper must average only the present ones, as after a plain Dense.
        var wrapped = new Sequential([new InputLayer([-1, 4]), new Embedding(6, 3, maskZero: true), new TimeDistributed(new Dense(2)), new GlobalAveragePooling1D()], seed: 1);
        var plain = new Sequential([new InputLayer([-1, 4]), new Embedding(6, 3, maskZero: true), new Dense(2), new GlobalAveragePooling1D()], seed: 1);
        foreach (var (from, to) in wrapped.Layers.SelectMany(l => l.Variables).Zip(plain.Layers.SelectMany(l => l.Variables)))
            from.Value.Data.CopyTo(to.Value.Data, 0);
        var x = new Tensor([2, 4], [1, 2, 0, 0, 3, 0, 5, 4]);
        Assert.Equal(plain.Predict(x).Data, wrapped.Predict(x).Data);
        // Without the mask the padded steps would count: the first sample's average differs from that of its two present steps.
        var unmasked = new Sequential([new InputLayer([-1, 4]), new Embedding(6, 3), new TimeDistributed(new Dense(2)), new GlobalAveragePooling1D()], seed: 1);
        foreach (var (from, to) in wrapped.Layers.SelectMany(l => l.Variables).Zip(unmasked.Layers.SelectMany(l => l.Variables)))
            from.Value.Data.CopyTo(to.Value.Data, 0);
        Assert.NotEqual(unmasked.Predict(x).Data, wrapped.Predict(x).Data);
    }
}
