using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Core;

public class EmbeddingTests
{
    private static Embedding Built(int inputDim, int outputDim, float[] table, bool maskZero = false)
    {
        var layer = new Embedding(inputDim, outputDim, maskZero, name: "embedding");
        layer.Build([-1, 3], new RandomGenerator(1));
        table.CopyTo(layer.Embeddings!.Value.Data, 0);
        return layer;
    }

    [Fact]
    public void LooksUpRowsAndScatterAddsGradients()
    {
        // Table rows: row r = [10r, 10r + 1]; indices [[2, 0, 2], [1, 3, 0]].
        var layer = Built(4, 2, [0, 1, 10, 11, 20, 21, 30, 31]);
        var graph = new Graph();
        var input = graph.Input([2, 3]);
        input.Set(new Tensor([2, 3], [2, 0, 2, 1, 3, 0]));
        var y = layer.Call(input, CallMode.Training);
        var upstream = graph.Input([2, 3, 2]);
        upstream.Set(new Tensor([2, 3, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
        var loss = Ops.Sum(Ops.Multiply(y, upstream));
        graph.Forward();
        Assert.Equal(new[] { 2, 3, 2 }, y.Value.ShapeArray());
        Assert.Equal(new float[] { 20, 21, 0, 1, 20, 21, 10, 11, 30, 31, 0, 1 }, y.Value.Data);
        graph.Backward(loss);
        // Row 0 is read at (0,1) and (1,2): [3+11, 4+12]; row 2 at (0,0) and (0,2): [1+5, 2+6]; row 1 at (1,0); row 3 at (1,1).
        Assert.Equal(new float[] { 14, 16, 7, 8, 6, 8, 9, 10 }, graph.GradientOf(layer.Embeddings!)!.Data);
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        var layer = new Embedding(5, 3, name: "embedding");
        layer.Build([-1, 4], new RandomGenerator(3));
        var indices = new Tensor([2, 4], [4, 0, 1, 4, 2, 2, 3, 0]);
        // The indices are no differentiable input: the checked input is a zero-weighted bystander.
        TestSupport.CheckGradients(n =>
        {
            var ids = n[0].Graph.Input([2, 4]);
            ids.Set(indices);
            return Ops.Add(Ops.Square(layer.Call(ids, CallMode.Training)), Ops.Scale(n[0], 0));
        }, [new Tensor([1], [0.5f])], layer.TrainableVariables.ToList(), step: 1e-3, tolerance: 1e-2);
    }

    [Theory]
    [InlineData(4f, "index 4 (position 4 of the batch)")]
    [InlineData(-1f, "index -1 (position 4 of the batch)")]
    [InlineData(1.5f, "index 1.5 (position 4 of the batch)")]
    public void IndexOutsideTheVocabularyIsAnErrorNamingLayerAndIndex(float bad, string expected)
    {
        var layer = Built(4, 2, new float[8]);
        var graph = new Graph();
        var input = graph.Input([2, 3]);
        input.Set(new Tensor([2, 3], [0, 1, 2, 3, bad, 0]));
        layer.Call(input, CallMode.Inference);
        var e = Assert.Throws<StrataException>(graph.Forward);
        Assert.Contains("Embedding layer 'embedding'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MaskZeroMarksPaddingSteps()
    {
        var layer = Built(4, 2, new float[8], maskZero: true);
        var graph = new Graph();
        var input = graph.Input([2, 3]);
        input.Set(new Tensor([2, 3], [3, 1, 0, 2, 0, 0]));
        var mask = layer.ComputeMask(input)!;
        graph.Forward();
        Assert.Equal(new float[] { 1, 1, 0, 1, 0, 0 }, mask.Value.Data);
        Assert.Null(Built(4, 2, new float[8]).ComputeMask(input));
    }

    [Fact]
    public void ReadsKerasConfig()
    {
        // As Keras 3's Embedding.get_config() writes it (keras.io, Embedding layer; defaults from its signature).
        var json = """
        {"class_name": "Embedding", "config": {"name": "embedding", "trainable": true, "dtype": "float32",
          "input_dim": 1000, "output_dim": 64,
          "embeddings_initializer": {"module": "keras.initializers", "class_name": "RandomUniform",
            "config": {"minval": -0.05, "maxval": 0.05, "seed": null}, "registered_name": null},
          "embeddings_regularizer": null, "activity_regularizer": null, "embeddings_constraint": null,
          "mask_zero": true}}
        """;
        var layer = Assert.IsType<Embedding>(LayerRegistry.FromConfig(JsonNode.Parse(json), 0));
        Assert.Equal((1000, 64, true), (layer.InputDim, layer.OutputDim, layer.MaskZero));
        Assert.Null(LayerRegistry.DeclaredInputShape(JsonNode.Parse(json), 0));
        var config = layer.GetConfig();
        Assert.Equal(1000, (int)config["input_dim"]!);
        Assert.Equal(64, (int)config["output_dim"]!);
        Assert.True((bool)config["mask_zero"]!);
        Assert.Equal("RandomUniform", (string)config["embeddings_initializer"]!["class_name"]!);
        Assert.Equal(-0.05, (double)config["embeddings_initializer"]!["config"]!["minval"]!);
        var copy = LayerRegistry.FromConfig(new JsonObject { ["class_name"] = "Embedding", ["config"] = config.DeepClone() }, 0);
        Assert.Equal(config.ToJsonString(), copy.GetConfig().ToJsonString());

        // Keras 2 wrote the initializer by its short name.
        var short_ = Assert.IsType<Embedding>(LayerRegistry.FromConfig(JsonNode.Parse(
            """{"class_name": "Embedding", "config": {"name": "e", "input_dim": 5, "output_dim": 2, "embeddings_initializer": "uniform"}}"""), 0));
        Assert.False(short_.MaskZero);
        Assert.Equal("RandomUniform", (string)short_.GetConfig()["embeddings_initializer"]!["class_name"]!);
    }

    [Fact]
    public void DefaultInitializerIsUniformWithinFiveHundredths()
    {
        var layer = new Embedding(200, 50, name: "embedding");
        layer.Build([-1, 3], new RandomGenerator(2));
        var values = layer.Embeddings!.Value.Data;
        Assert.All(values, v => Assert.InRange(v, -0.05f, 0.05f));
        Assert.True(values.Max() > 0.049f && values.Min() < -0.049f);
        Assert.Equal("embedding/embeddings", layer.Embeddings.Path);
    }

    [Fact]
    public void ArgumentsAreValidated()
    {
        Assert.Contains("input_dim = 0", Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(0, 3)).Message);
        Assert.Contains("output_dim = -2", Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(3, -2)).Message);
    }
}
