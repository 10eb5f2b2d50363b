using Strata.Layers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers;

/// <summary>
/// Shapes, axes and window sizes are handed out read-only: neither a caller holding the list a layer
/// or config gives, nor one keeping the array it gave, can change a built layer. Config records
/// still take collection expressions and write the same Keras JSON.
/// </summary>
public class ReadOnlyShapeTests
{
    private static void AssertReadOnly(IReadOnlyList<int>? values)
    {
        Assert.NotNull(values);
        Assert.IsNotType<int[]>(values);
        var list = Assert.IsAssignableFrom<IList<int>>(values);
        Assert.True(list.IsReadOnly);
        Assert.Throws<NotSupportedException>(() => list[0] = 99);
    }

    [Fact]
    public void ABuiltLayersShapesCannotBeChanged()
    {
        var conv = new Conv2D(4, [3, 3]);
        int[] input = [-1, 8, 8, 2];
        conv.Build(input, new RandomGenerator(0));
        input[1] = 100;

        AssertReadOnly(conv.InputShape);
        AssertReadOnly(conv.OutputShape);
        AssertReadOnly(conv.KernelSize);
        AssertReadOnly(conv.Strides);
        AssertReadOnly(conv.DilationRate);
        // A 3×3 valid window over 8×8 maps leaves 6×6; 4 filters.
        Assert.Equal([-1, 8, 8, 2], conv.InputShape!);
        Assert.Equal([-1, 6, 6, 4], conv.OutputShape!);
        Assert.Equal([3, 3], conv.KernelSize);
    }

    [Fact]
    public void ALayerThatKeepsItsInputShapeDoesNotShareTheCallersArray()
    {
        // Dropout's output shape is its input shape: the layer keeps its own copy.
        var dropout = new Dropout(0.5);
        int[] input = [-1, 5];
        dropout.Build(input, new RandomGenerator(0));
        input[1] = 7;
        Assert.Equal([-1, 5], dropout.InputShape!);
        Assert.Equal([-1, 5], dropout.OutputShape!);
    }

    [Fact]
    public void LayerArgumentsAndModelShapesAreReadOnly()
    {
        AssertReadOnly(new MaxPooling2D([2, 2]).PoolSize);
        AssertReadOnly(new MaxPooling2D([2, 2]).Strides);
        AssertReadOnly(new LayerNormalization([1, 2]).Axis);
        AssertReadOnly(new InputLayer([-1, 3]).BatchShape);
        AssertReadOnly(new Reshape([3, 1]).TargetShape);

        var model = new Sequential([new InputLayer([-1, 3]), new Dense(2)]);
        AssertReadOnly(model.InputShape);
        AssertReadOnly(model.OutputShape);
        Assert.Equal([-1, 3], model.InputShape!);
        Assert.Equal([-1, 2], model.OutputShape!);
    }

    [Fact]
    public void AConfigsAxisCannotBeChangedThroughTheListItWasGiven()
    {
        var fromExpression = new BatchNormalizationConfig { Axis = [1, 2] };
        AssertReadOnly(fromExpression.Axis);
        Assert.Equal([1, 2], fromExpression.Axis);

        int[] axes = [1, 2];
        var fromArray = new BatchNormalizationConfig { Axis = axes };
        axes[0] = 3;
        AssertReadOnly(fromArray.Axis);
        Assert.Equal([1, 2], fromArray.Axis);
        AssertReadOnly(new BatchNormalizationConfig().Axis);
        AssertReadOnly(new DropoutConfig { Rate = 0.5, NoiseShape = [-1, 1, 4] }.NoiseShape);
    }

    [Fact]
    public void ConfigsMadeWithCollectionExpressionsRoundTripThroughTheirKerasConfig()
    {
        var batchNorm = new BatchNormalization(new BatchNormalizationConfig { Axis = [1, 2], Name = "bn" });
        var config = LayerRegistry.ToConfig(batchNorm);
        Assert.Equal("[1,2]", config["config"]!["axis"]!.ToJsonString());
        var readBack = Assert.IsType<BatchNormalization>(LayerRegistry.FromConfig(config, 0));
        Assert.Equal([1, 2], readBack.Config.Axis);
        AssertReadOnly(readBack.Config.Axis);

        // One axis is written as Keras writes it, a plain integer.
        var single = LayerRegistry.ToConfig(new BatchNormalization(new BatchNormalizationConfig { Axis = [-1] }));
        Assert.Equal("-1", single["config"]!["axis"]!.ToJsonString());
        Assert.Equal([-1], ((BatchNormalization)LayerRegistry.FromConfig(single, 0)).Config.Axis);

        // A noise shape's -1 entries are Keras's None.
        var dropout = LayerRegistry.ToConfig(new Dropout(new DropoutConfig { Rate = 0.25, NoiseShape = [-1, 1, 4] }));
        Assert.Equal("[null,1,4]", dropout["config"]!["noise_shape"]!.ToJsonString());
        Assert.Equal([-1, 1, 4], ((Dropout)LayerRegistry.FromConfig(dropout, 0)).Config.NoiseShape!);

        var block = LayerRegistry.ToConfig(new DropBlock2D(new DropBlock2DConfig { Rate = 0.1, BlockSize = [2, 3] }));
        Assert.Equal("[2,3]", block["config"]!["block_size"]!.ToJsonString());
        Assert.Equal([2, 3], ((DropBlock2D)LayerRegistry.FromConfig(block, 0)).Config.BlockSize);
    }
}
