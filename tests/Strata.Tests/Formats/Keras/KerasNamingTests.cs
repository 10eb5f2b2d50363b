using Strata.Formats.Keras;
using Xunit;

namespace Strata.Tests.Formats.Keras;

/// <summary>Keras 3's weight-group names, against Python's to_snake_case and a real Keras 3.6 file.</summary>
public sealed class KerasNamingTests
{
    // Expected values printed by Keras's three re.sub calls in Python 3 (see keras-shared brief).
    [Theory]
    [InlineData("Dense", "dense")]
    [InlineData("LeakyReLU", "leaky_re_lu")]
    [InlineData("Conv2D", "conv2d")]
    [InlineData("BatchNormalization", "batch_normalization")]
    [InlineData("PReLU", "p_re_lu")]
    [InlineData("ReLU", "re_lu")]
    [InlineData("ELU", "elu")]
    [InlineData("GlobalAveragePooling2D", "global_average_pooling2d")]
    [InlineData("DepthwiseConv2D", "depthwise_conv2d")]
    [InlineData("SpatialDropout1D", "spatial_dropout1d")]
    [InlineData("ZeroPadding2D", "zero_padding2d")]
    [InlineData("HTTPServer2D", "http_server2d")]
    [InlineData("My-Layer", "my_layer")]
    public void SnakeCaseIsKerassToSnakeCase(string className, string expected) =>
        Assert.Equal(expected, KerasNaming.SnakeCase(className));

    [Fact]
    public void LayerPathsAreNumberedPerClassAsInARealKeras36File()
    {
        // The layer classes of ../shared/keras-files/keras3.6-dense-batchnorm-dropout/best_model.keras and the
        // groups Keras 3.6 wrote for them (its layout dump), the InputLayer given and left out.
        string[] classes = ["InputLayer", "Dense", "BatchNormalization", "LeakyReLU", "Dense", "LeakyReLU", "Dropout", "Dense", "LeakyReLU", "BatchNormalization", "Dropout", "Dense"];
        string[] expected =
        [
            "layers/dense", "layers/batch_normalization", "layers/leaky_re_lu", "layers/dense_1", "layers/leaky_re_lu_1", "layers/dropout",
            "layers/dense_2", "layers/leaky_re_lu_2", "layers/batch_normalization_1", "layers/dropout_1", "layers/dense_3",
        ];
        Assert.Equal(expected, KerasNaming.Keras3LayerPaths(classes));
    }
}
