using System.Text.Json.Nodes;
using Strata.Formats.Keras;
using Strata.Layers;
using Strata.Layers.Core;
using Xunit;

namespace Strata.Tests.Formats.Keras;

/// <summary>Keras 1's vocabulary in one place: the renames that hold for most layers, and Embedding's own.</summary>
public sealed class KerasDialectTests
{
    [Fact]
    public void AKeras1EmbeddingKeepsItsOutputDimAndItsWMeansTheEmbeddings()
    {
        var config = JsonNode.Parse("""
            {"class_name": "Sequential", "config": [
              {"class_name": "Embedding", "config": {"name": "words", "input_dim": 10, "output_dim": 4, "init": "uniform",
               "W_regularizer": null, "W_constraint": null, "mask_zero": false, "batch_input_shape": [null, 6]}},
              {"class_name": "Dense", "config": {"name": "out", "output_dim": 2, "init": "glorot_uniform"}}]}
            """);
        var layers = KerasDialect.ToSequential(config, "model.h5")["config"]!["layers"]!.AsArray();
        var embedding = layers.Select(l => l!["config"]!.AsObject()).First(c => (string?)c["name"] == "words");
        Assert.Equal(4, (int)embedding["output_dim"]!);
        Assert.Equal("uniform", (string?)embedding["embeddings_initializer"]);
        Assert.False(embedding.ContainsKey("units"));
        Assert.False(embedding.ContainsKey("kernel_initializer"));
        var dense = layers.Select(l => l!["config"]!.AsObject()).First(c => (string?)c["name"] == "out");
        Assert.Equal(2, (int)dense["units"]!);
        Assert.Equal("glorot_uniform", (string?)dense["kernel_initializer"]);
        // And the whole model builds: the embeddings are [10, 4].
        var model = Strata.Models.Sequential.FromConfig(KerasDialect.ToSequential(config, "model.h5"));
        model.Build([-1, 6]);
        Assert.Equal(new[] { 10, 4 }, model.Layers.OfType<Embedding>().Single().Embeddings!.Value.Shape.ToArray());
    }
}
