using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Convolutional;
using Strata.Layers.Pooling;
using Strata.Models;
using Strata.Tensors;
using Xunit;
using static Strata.Tests.TestSupport;
using Strata.Formats;

namespace Strata.Tests.Layers.Convolutional;

/// <summary>Convolution, pooling and the Fashion-MNIST network against PyTorch (Fixtures/generate_fixtures.py).</summary>
public class ConvolutionReferenceTests
{
    private static (float[] Y, float[] Dx, Graph Graph) Run(Layer layer, int[] shape, float[] x, float[] dy)
    {
        var batchShape = (int[])shape.Clone();
        batchShape[0] = -1;
        layer.Build(batchShape, new RandomGenerator(0));
        var graph = new Graph();
        var input = graph.Input(shape, requiresGradient: true);
        input.Set(new Tensor(shape, x));
        var y = layer.Call(input, CallMode.Training);
        var weights = graph.Input(y.Value.ShapeArray());
        weights.Set(new Tensor(y.Value.ShapeArray(), dy));
        var loss = Ops.Sum(Ops.Multiply(y, weights));
        graph.Forward();
        graph.Backward(loss);
        return (y.Value.Data.ToArray(), input.Gradient!.Data.ToArray(), graph);
    }

    [Theory]
    [InlineData("conv_valid")]
    [InlineData("conv_same_stride")]
    [InlineData("conv_dilated_same")]
    [InlineData("conv_groups")]
    public void Conv2DMatchesPyTorch(string fixture)
    {
        var f = Fixture(fixture);
        var layer = new Conv2D(f["filters"]!.GetValue<int>(), Ints(f["kernel_size"]), Ints(f["strides"]), f["padding"]!.GetValue<string>(),
            Ints(f["dilation"]), f["groups"]!.GetValue<int>(), name: "conv");
        var shape = Ints(f["x_shape"]);
        var batchShape = (int[])shape.Clone();
        batchShape[0] = -1;
        Assert.Equal(Ints(f["y_shape"])[1..], layer.ComputeOutputShape(batchShape)[1..]);
        layer.Build(batchShape, new RandomGenerator(0));
        Floats(f["kernel"]).CopyTo(layer.Kernel!.Value.Data, 0);
        Floats(f["bias"]).CopyTo(layer.Bias!.Value.Data, 0);
        var (y, dx, graph) = Run(layer, shape, Floats(f["x"]), Floats(f["dy"]));
        AssertClose(Floats(f["y"]), y, 1e-4, "y");
        AssertClose(Floats(f["dx"]), dx, 1e-4, "dx");
        AssertClose(Floats(f["dkernel"]), graph.GradientOf(layer.Kernel)!.Data, 1e-4, "dkernel");
        AssertClose(Floats(f["dbias"]), graph.GradientOf(layer.Bias)!.Data, 1e-4, "dbias");
    }

    [Theory]
    [InlineData("maxpool_valid")]
    [InlineData("maxpool_same")]
    [InlineData("avgpool_same")]
    public void PoolingMatchesPyTorch(string fixture)
    {
        var f = Fixture(fixture);
        Layer layer = f["kind"]!.GetValue<string>() == "max"
            ? new MaxPooling2D(Ints(f["pool_size"]), Ints(f["strides"]), f["padding"]!.GetValue<string>())
            : new AveragePooling2D(Ints(f["pool_size"]), Ints(f["strides"]), f["padding"]!.GetValue<string>());
        var (y, dx, _) = Run(layer, Ints(f["x_shape"]), Floats(f["x"]), Floats(f["dy"]));
        AssertClose(Floats(f["y"]), y, 1e-5, "y");
        AssertClose(Floats(f["dx"]), dx, 1e-5, "dx");
    }

    [Fact]
    public void TheFashionNetworkMatchesPyTorchInInference()
    {
        var spec = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot, "examples", "fashion-cnn.json")))!;
        var model = Sequential.FromConfig(spec["model"]);
        model.LoadWeights(Path.Combine(AppContext.BaseDirectory, "Fixtures", "interop", "fashion-cnn.safetensors"));
        var f = Fixture("fashion_cnn");
        var images = new Tensor([4, 28, 28, 1], Floats(f["images"]));
        AssertClose(Floats(f["probabilities"]), model.Predict(images).Data, 1e-5, "probabilities");
    }

    [Fact]
    public void ConvolutionIsTheSameForOneAndTwoThreads()
    {
        var x = Random(3, 1, 9, 10, 10, 6);
        float[] Once(int threads)
        {
            int saved = Compute.Threads;
            Compute.Threads = threads;
            try
            {
                var layer = new Conv2D(8, [3, 3], padding: "same", name: "c");
                var (y, dx, graph) = Run(layer, [9, 10, 10, 6], x.Data, Random(4, 1, 9, 10, 10, 8).Data);
                return [.. y, .. dx, .. graph.GradientOf(layer.Kernel!)!.Data];
            }
            finally
            {
                Compute.Threads = saved;
            }
        }
        Assert.Equal(Once(1), Once(2));
    }

    [Fact]
    public void BadGeometryIsAClearError()
    {
        var e = Assert.Throws<StrataException>(() => new Conv2D(4, 5, name: "c").Build([-1, 3, 3, 1], new RandomGenerator(0)));
        Assert.Contains("Conv2D layer 'c'", e.Message);
        Assert.Contains("larger than the input", e.Message);
        e = Assert.Throws<StrataException>(() => new Conv2D(4, 3, name: "c").Build([-1, 16], new RandomGenerator(0)));
        Assert.Contains("expects inputs of rank 4", e.Message);
        Assert.Contains("dilation_rate > 1", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, [3, 3], [2, 2], dilationRate: [2, 2])).Message);
        Assert.Contains("evenly divisible", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(5, [3, 3], groups: 2)).Message);
        Assert.Contains("channels_last", Assert.Throws<ArgumentOutOfRangeException>(
            () => new Conv2D(new Conv2DConfig { Filters = 4, KernelSize = [3], DataFormat = DataFormat.ChannelsFirst })).Message);
    }
}
