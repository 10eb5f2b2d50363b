using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Models;

public class MaskFlowTests
{
    // Row r of the table is [r, −r] for r ≥ 1; row 0 (padding) is [100, −100], so padding would show if it counted.
    private static readonly float[] Table = [100, -100, 1, -1, 2, -2, 3, -3, 4, -4];
    private static readonly Tensor Indices = new([2, 4], [1, 3, 0, 0, 4, 2, 2, 0]);

    private static Sequential Model(params Layer[] after)
    {
        var model = new Sequential([new InputLayer([-1, 4]), new Embedding(5, 2, maskZero: true), .. after]);
        model.Build([-1, 4]);
        Table.CopyTo(((Embedding)model.Layers[0]).Embeddings!.Value.Data, 0);
        return model;
    }

    [Fact]
    public void AverageCountsOnlyPresentSteps()
    {
        // Row 0: steps 1, 3 → mean of [1, −1], [3, −3] = [2, −2]; row 1: steps 4, 2, 2 → [8/3, −8/3].
        var y = Model(new Dropout(0.5), new GlobalAveragePooling1D()).Predict(Indices);
        TestSupport.AssertClose([2, -2, 8f / 3, -8f / 3], y.Data, 1e-6);
    }

    [Fact]
    public void MaximumIgnoresTheMaskAsKerasDoes()
    {
        // Keras's GlobalMaxPooling1D takes no mask: row 0 has padding ([100, −100]) twice, row 1 once, so 100 wins
        // the first feature; the second is the max of −1, −3, −100 = −1 and of −4, −2, −2, −100 = −2.
        var y = Model(new GlobalMaxPooling1D()).Predict(Indices);
        Assert.Equal(new float[] { 100, -1, 100, -2 }, y.Data);
    }

    [Fact]
    public void DenseAndNormalizationPassTheMaskOn()
    {
        // Dense with kernel [[1, 0], [0, 2]], bias [1, 1] per step, then LayerNormalization over features
        // with gamma 1 beta 0: each present step [r + 1, 1 − 2r] standardizes to [1, −1] for r ≥ 1.
        var dense = new Dense(2, name: "d");
        var model = Model(dense, new LayerNormalization(epsilon: 1e-9), new GlobalAveragePooling1D());
        new float[] { 1, 0, 0, 2 }.CopyTo(dense.Kernel!.Value.Data, 0);
        new float[] { 1, 1 }.CopyTo(dense.Bias!.Value.Data, 0);
        var y = model.Predict(Indices);
        TestSupport.AssertClose([1, -1, 1, -1], y.Data, 1e-5);
    }

    [Fact]
    public void LayerWithoutMaskSupportDropsItAsKeras3Does()
    {
        // Flatten takes no mask: the mask ends there (no error) and the output is the same as without mask_zero.
        var masked = new Sequential([new InputLayer([-1, 4]), new Embedding(5, 2, maskZero: true), new Flatten()]);
        var plain = new Sequential([new InputLayer([-1, 4]), new Embedding(5, 2), new Flatten()]);
        masked.Build([-1, 4]);
        plain.Build([-1, 4]);
        Table.CopyTo(((Embedding)masked.Layers[0]).Embeddings!.Value.Data, 0);
        Table.CopyTo(((Embedding)plain.Layers[0]).Embeddings!.Value.Data, 0);
        Assert.Equal(plain.Predict(Indices).Data, masked.Predict(Indices).Data);
    }

    [Fact]
    public void BatchNormalizationOverAnotherAxisEndsTheMask()
    {
        // BatchNormalization over axis 1 (in inference: moving mean 0, variance 1, so x / √(1 + 1e-3)) drops the
        // mask: the average then counts padding. Row 0: ([1,−1] + [3,−3] + 2·[100,−100]) / 4 = [51, −51].
        var model = Model(new BatchNormalization(new() { Axis = [1] }), new GlobalAveragePooling1D());
        var y = model.Predict(Indices);
        float scale = 1 / MathF.Sqrt(1.001f);
        TestSupport.AssertClose([51 * scale, -51 * scale, 27 * scale, -27 * scale], y.Data, 1e-4);
    }

    [Fact]
    public void MaskedPoolingGradientsMatchFiniteDifferences()
    {
        var mask = new Tensor([2, 4], [1, 1, 0, 0, 1, 1, 1, 0]);
        var layer = new GlobalAveragePooling1D();
        TestSupport.CheckGradients(n =>
        {
            var m = n[0].Graph.Input([2, 4]);
            m.Set(mask);
            return layer.Call(n[0], m, CallMode.Training);
        }, [TestSupport.Random(4, 1, 2, 4, 3)], step: 1e-3, tolerance: 1e-2);
    }

    [Fact]
    public void TrainingWithMaskLearns()
    {
        var model = Model(new GlobalAveragePooling1D(), new Dense(1));
        model.Compile(new Strata.Training.Optimizers.Adam(0.05), new Strata.Training.Losses.MeanSquaredError());
        var targets = new Tensor([2, 1], [1, -1]);
        var history = model.Fit(Indices, targets, batchSize: 2, epochs: 30);
        Assert.True(history["loss"][^1] < 0.1 * history["loss"][0]);
        // The padding row is read at every padded step, but the pooling weighs those steps by 0: it never moves.
        Assert.Equal(100f, ((Embedding)model.Layers[0]).Embeddings!.Value.Data[0]);
    }

    [Fact]
    public void StrataFileKeepsEmbeddingAndMask()
    {
        var model = Model(new Dense(3, "tanh"), new GlobalAveragePooling1D());
        var path = Path.Combine(Path.GetTempPath(), $"embedding-{Guid.NewGuid():N}.strata");
        try
        {
            Strata.Formats.ModelFile.Save(model, path);
            var loaded = Strata.Formats.ModelFile.Load(path);
            var embedding = Assert.IsType<Embedding>(loaded.Layers[0]);
            Assert.True(embedding.MaskZero);
            Assert.Equal(Table, embedding.Embeddings!.Value.Data);
            Assert.Equal(model.Predict(Indices).Data, loaded.Predict(Indices).Data);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
