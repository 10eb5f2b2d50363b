using Strata.Formats.Keras;
using Xunit;

namespace Strata.Tests.Formats.Keras;

public sealed class KerasNamingTests
{
    [Theory]
    [InlineData("Dense", "dense")]
    [InlineData("LeakyReLU", "leaky_re_lu")]
    [InlineData("Conv2D", "conv2d")]
    [InlineData("BatchNormalization", "batch_normalization")]
    [InlineData("PReLU", "p_re_lu")]
    [InlineData("GlobalAveragePooling2D", "global_average_pooling2d")]
    [InlineData("ZeroPadding2D", "zero_padding2d")]
    [InlineData("ELU", "elu")]
    public void SnakeCaseIsKerasToSnakeCase(string className, string snake) =>
        Assert.Equal(snake, KerasNaming.SnakeCase(className));

    [Fact]
    public void GroupsAreNumberedPerClassAndSkipTheInputLayer() =>
        Assert.Equal(
            ["layers/dense", "layers/batch_normalization", "layers/leaky_re_lu", "layers/dense_1", "layers/leaky_re_lu_1", "layers/dense_2"],
            KerasNaming.Keras3LayerPaths(["InputLayer", "Dense", "BatchNormalization", "LeakyReLU", "Dense", "LeakyReLU", "Dense"]));
}
