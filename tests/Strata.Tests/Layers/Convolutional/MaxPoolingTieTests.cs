using Strata.Autodiff;
using Strata.Layers.Core;
using Strata.Layers.Pooling;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Convolutional;

/// <summary>Max pooling's gradient on ties goes to the first maximal position of each window, in row order, as TensorFlow does.</summary>
public sealed class MaxPoolingTieTests
{
    [Theory]
    [InlineData(19, 2)] // vectors of channels and a scalar tail
    [InlineData(3, 1)] // scalar channels only, overlapping windows
    public void TiedMaximaRouteTheGradientToTheFirstPosition(int channels, int stride)
    {
        var layer = new MaxPooling2D([2, 2], [stride, stride]);
        _ = new Sequential([new InputLayer([-1, 4, 4, channels]), layer]); // builds the layer
        var graph = new Graph();
        var input = graph.Input([1, 4, 4, channels], requiresGradient: true);
        // Every value ties except channel 0 of the bottom-right pixel, which is larger.
        var x = Tensor.Filled(1f, 1, 4, 4, channels);
        x.Data[(3 * 4 + 3) * channels] = 2f;
        input.Set(x);
        var y = layer.Call(input, Strata.Tensors.CallMode.Training);
        var loss = Ops.Sum(y);
        graph.Forward();
        graph.Backward(loss);
        var dx = input.Gradient!;

        int outSize = (4 - 2) / stride + 1;
        var expected = new float[dx.Size];
        for (int oh = 0; oh < outSize; oh++)
            for (int ow = 0; ow < outSize; ow++)
                for (int ch = 0; ch < channels; ch++)
                {
                    // The first position of the window, unless channel 0's larger value is in it.
                    (int h, int w) = (oh * stride, ow * stride);
                    if (ch == 0 && oh * stride + 1 == 3 && ow * stride + 1 == 3) (h, w) = (3, 3);
                    expected[(h * 4 + w) * channels + ch] += 1f;
                }
        Assert.Equal(expected, dx.Data);
    }
}
