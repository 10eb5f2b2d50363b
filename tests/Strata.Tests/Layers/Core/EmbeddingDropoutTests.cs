using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Regularization;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Core;

/// <summary>Which dropout on an embedding output drops whole words, and which drops embedding dimensions.</summary>
public class EmbeddingDropoutTests
{
    // Every table entry is 1, so an output entry is 0 (dropped) or 1/(1 − rate) = 2 (kept).
    private static float[] Dropped(Layer dropout)
    {
        var embedding = new Embedding(10, 6, name: "embedding");
        embedding.Build([-1, 8], new RandomGenerator(1));
        Array.Fill(embedding.Embeddings!.Value.Data, 1f);
        dropout.Build([-1, 8, 6], new RandomGenerator(2));
        var graph = new Graph();
        var input = graph.Input([4, 8]);
        input.Set(new Tensor([4, 8], [.. Enumerable.Range(0, 32).Select(i => (float)(i % 10))]));
        var y = dropout.Call(embedding.Call(input, CallMode.Training), CallMode.Training);
        graph.Forward();
        Assert.All(y.Value.Data, v => Assert.True(v is 0f or 2f));
        return y.Value.Data;
    }

    [Fact]
    public void DropoutWithNoiseShapeOfOneFeatureDropsWholeWords()
    {
        var y = Dropped(new Dropout(0.5, noiseShape: [-1, -1, 1], seed: 3));
        for (int word = 0; word < 32; word++)
            Assert.Single(y.AsSpan(word * 6, 6).ToArray().Distinct());
        Assert.Contains(0f, y);
        Assert.Contains(2f, y);
    }

    [Fact]
    public void SpatialDropout1DDropsEmbeddingDimensionsAcrossAllWords()
    {
        // Keras's SpatialDropout1D shares its mask over the steps: a dimension is dropped in every word of a sequence.
        var y = Dropped(new SpatialDropout1D(0.5, seed: 3));
        for (int sample = 0; sample < 4; sample++)
            for (int d = 0; d < 6; d++)
                Assert.Single(Enumerable.Range(0, 8).Select(t => y[(sample * 8 + t) * 6 + d]).Distinct());
        Assert.Contains(0f, y);
        Assert.Contains(2f, y);
    }
}
