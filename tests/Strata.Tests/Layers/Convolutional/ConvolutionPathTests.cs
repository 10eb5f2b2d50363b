using Strata.Autodiff;
using Strata.Kernels;
using Strata.Layers.Convolutional;
using Strata.Tensors;
using Xunit;
using static Strata.Tests.TestSupport;

namespace Strata.Tests.Layers.Convolutional;

/// <summary>
/// The convolution's forward pass (patches read from the input rows transposed, or gathered into the product's panels)
/// and its kernel gradient (the patches' transpose read where it lies in the input) on every instruction-set path,
/// against direct sums and bit for bit against the product of the unrolled patches.
/// </summary>
public class ConvolutionPathTests
{
    // y[n, oh, ow, f] = Σ x[n, ih, iw, c]·w[i, j, c, f] + b[f] in doubles, zeros outside the map.
    private static float[] Naive(float[] x, float[] w, float[] b, ConvGeometry g, int filters, bool relu)
    {
        var y = new float[g.Batch * g.OutputHeight * g.OutputWidth * filters];
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutputHeight; oh++)
                for (int ow = 0; ow < g.OutputWidth; ow++)
                    for (int f = 0; f < filters; f++)
                    {
                        double s = b[f];
                        for (int i = 0; i < g.WindowHeight; i++)
                            for (int j = 0; j < g.WindowWidth; j++)
                            {
                                int ih = g.InputRow(oh, i), iw = g.InputColumn(ow, j);
                                if (ih < 0 || ih >= g.Height || iw < 0 || iw >= g.Width) continue;
                                for (int c = 0; c < g.Channels; c++)
                                    s += (double)x[((n * g.Height + ih) * g.Width + iw) * g.Channels + c] * w[((i * g.WindowWidth + j) * g.Channels + c) * filters + f];
                            }
                        y[((n * g.OutputHeight + oh) * g.OutputWidth + ow) * filters + f] = relu ? (float)Math.Max(s, 0) : (float)s;
                    }
        return y;
    }

    public static IEnumerable<object[]> Cases()
    {
        // [height, width, channels, filters, kernel, stride, dilation, padding, relu]: 32 channels (one K block), 64 (two
        // K blocks split inside a kernel row), one channel, positions that leave a panel part-filled, padding and dilation;
        // the bias and a ReLU applied to each tile of the product.
        object[][] cases =
        [
            [12, 12, 32, 32, 3, 1, 1, "valid", false], [10, 10, 64, 64, 3, 1, 1, "valid", true], [28, 28, 1, 32, 3, 1, 1, "valid", false],
            [9, 7, 5, 7, 3, 1, 1, "same", true], [11, 10, 6, 8, 3, 2, 1, "same", false], [12, 12, 4, 5, 3, 1, 2, "same", false], [8, 9, 3, 40, 2, 1, 1, "valid", true],
        ];
        foreach (var isa in InstructionSets.Supported.Select(InstructionSets.Name))
            foreach (var c in cases)
                yield return [isa, .. c];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheForwardPassMatchesADirectSumOnEveryPath(string path, int height, int width, int channels, int filters, int kernel, int stride, int dilation, string padding, bool relu)
    {
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        const int batch = 3;
        var layer = new Conv2D(filters, [kernel, kernel], [stride, stride], padding, [dilation, dilation], activation: relu ? "relu" : null, name: "c");
        layer.Build([-1, height, width, channels], new RandomGenerator(0));
        var w = Random(5, 1, layer.Kernel!.Value.Size).Data;
        var b = Random(6, 1, filters).Data;
        w.CopyTo(layer.Kernel.Value.Data, 0);
        b.CopyTo(layer.Bias!.Value.Data, 0);
        var x = Random(7, 1, batch, height, width, channels).Data;
        var graph = new Graph();
        var input = graph.Input([batch, height, width, channels]);
        input.Set(new Tensor([batch, height, width, channels], x));
        var y = layer.Call(input, CallMode.Inference);
        graph.Forward();
        int oh = y.Value.ShapeArray()[1], ow = y.Value.ShapeArray()[2];
        int padTop = padding == "same" ? Math.Max(0, ((oh - 1) * stride + (kernel - 1) * dilation + 1 - height) / 2) : 0;
        int padLeft = padding == "same" ? Math.Max(0, ((ow - 1) * stride + (kernel - 1) * dilation + 1 - width) / 2) : 0;
        var g = new ConvGeometry(batch, height, width, channels, kernel, kernel, stride, stride, dilation, dilation, padTop, padLeft, oh, ow);
        AssertClose(Naive(x, w, b, g, filters, relu), y.Value.Data, 1e-4, path);
        // Bit for bit the product of the unrolled patches (im2col) with the kernel, then the bias and activation.
        int k = kernel * kernel * channels, positions = batch * oh * ow;
        var cols = new float[positions * k];
        for (int n = 0; n < batch; n++)
            for (int r = 0; r < oh; r++)
                for (int c = 0; c < ow; c++)
                    for (int i = 0; i < kernel; i++)
                        for (int j = 0; j < kernel; j++)
                        {
                            int ih = g.InputRow(r, i), iw = g.InputColumn(c, j);
                            if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
                            Array.Copy(x, ((n * height + ih) * width + iw) * channels, cols, ((n * oh + r) * ow + c) * k + (i * kernel + j) * channels, channels);
                        }
        var expected = new float[positions * filters];
        Gemm.Multiply(cols, k, false, w, filters, false, expected, filters, positions, filters, k, false);
        for (int e = 0; e < expected.Length; e++)
        {
            expected[e] += b[e % filters];
            if (relu) expected[e] = Math.Max(expected[e], 0f);
        }
        Assert.Equal(expected, y.Value.Data.ToArray());
    }

    public static IEnumerable<object[]> GradientCases()
    {
        // [height, width, channels, filters, kernel, stride, padding]: kernel rows in whole panels (32 channels; 2 channels,
        // whose long chunks of positions take several K blocks), with padding (edge chunks unrolled) and a stride;
        // 5 channels, whose kernel rows do not split into panels; one channel (patches of 9 values), with padding, a
        // stride and filters that leave a vector part-filled.
        object[][] cases =
        [
            [12, 12, 32, 16, 3, 1, "valid"], [20, 20, 2, 4, 3, 1, "valid"], [11, 10, 6, 8, 3, 2, "same"], [9, 7, 5, 7, 3, 1, "same"],
            [28, 28, 1, 32, 3, 1, "valid"], [9, 8, 1, 5, 3, 2, "same"],
        ];
        foreach (var isa in InstructionSets.Supported.Select(InstructionSets.Name))
            foreach (var c in cases)
                yield return [isa, .. c];
    }

    // One training pass of the layer on x, with loss Σ y·dz (dz seeded): the graph, its input (with a gradient), y and dz.
    private static (Graph Graph, InputNode Input, Node Y, Tensor Dz) TrainingPass(Conv2D layer, Tensor x)
    {
        var graph = new Graph();
        var input = graph.Input(x.ShapeArray(), requiresGradient: true);
        input.Set(x);
        var y = layer.Call(input, CallMode.Training);
        var r = graph.Input(y.Value.ShapeArray());
        var dz = Random(8, 1, y.Value.ShapeArray());
        r.Set(dz);
        graph.Forward();
        graph.Backward(Ops.Sum(Ops.Multiply(y, r)));
        return (graph, input, y, dz);
    }

    public static IEnumerable<object[]> InPlaceGradientCases()
    {
        // [height, width, channels, filters, dilation]: kernel rows in whole panels (32 channels), panels that pair across
        // a kernel row's end (6 channels, 18 per row), panels whose rows straddle window columns and rows (one and five
        // channels), a dilated window, and a chunk of 324 positions summed in two K blocks; each image is one chunk.
        object[][] cases = [[12, 12, 32, 16, 1], [8, 9, 6, 8, 1], [28, 28, 1, 32, 1], [9, 7, 5, 7, 1], [12, 11, 4, 5, 2], [20, 20, 2, 4, 1]];
        foreach (var isa in InstructionSets.Supported.Select(InstructionSets.Name))
            foreach (var c in cases)
                yield return [isa, .. c];
    }

    [Theory]
    [MemberData(nameof(InPlaceGradientCases))]
    public void TheKernelGradientReadInPlaceHasTheBitsOfTheUnrolledPatchesProduct(string path, int height, int width, int channels,
        int filters, int dilation)
    {
        const int batch = 3, kernel = 3;
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        var layer = new Conv2D(filters, [kernel, kernel], [1, 1], "valid", [dilation, dilation], name: "c");
        layer.Build([-1, height, width, channels], new RandomGenerator(0));
        var x = Random(7, 1, batch, height, width, channels);
        var (graph, _, y, dz) = TrainingPass(layer, x);
        int oh = y.Value.ShapeArray()[1], ow = y.Value.ShapeArray()[2], k = kernel * kernel * channels, positions = oh * ow;
        var g = new ConvGeometry(batch, height, width, channels, kernel, kernel, 1, 1, dilation, dilation, 0, 0, oh, ow);
        // Each image's patches unrolled, their transpose times its dz by the packed product, summed image by image.
        var expected = new float[k * filters];
        for (int n = 0; n < batch; n++)
        {
            var cols = new float[positions * k];
            for (int p = 0; p < positions; p++)
                for (int i = 0; i < kernel; i++)
                    for (int j = 0; j < kernel; j++)
                        Array.Copy(x.Data, ((n * height + g.InputRow(p / ow, i)) * width + g.InputColumn(p % ow, j)) * channels,
                            cols, p * k + (i * kernel + j) * channels, channels);
            var partial = new float[k * filters];
            Gemm.Multiply(cols, k, true, dz.Data.AsSpan(n * positions * filters), filters, false, partial, filters, k, filters, positions, true);
            for (int e = 0; e < expected.Length; e++) expected[e] += partial[e];
        }
        Assert.Equal(expected, graph.GradientOf(layer.Kernel!)!.Data.ToArray());
    }

    public static IEnumerable<object[]> InputGradientCases()
    {
        // [height, width, channels, filters, dilation, padding]: output rows of at least 24 positions, whose patch
        // gradients go straight into dx where the channels fill whole panels (32 on every path, 16 on the 16-wide ones),
        // with dilation, and with padding (edge chunks folded from the unrolled patch gradients, inner ones in place).
        object[][] cases =
        [
            [5, 28, 32, 8, 1, "valid"], [6, 30, 16, 4, 1, "same"], [7, 29, 32, 5, 2, "valid"], [4, 26, 32, 40, 1, "same"],
        ];
        foreach (var isa in InstructionSets.Supported.Select(InstructionSets.Name))
            foreach (var c in cases)
                yield return [isa, .. c];
    }

    [Theory]
    [MemberData(nameof(InputGradientCases))]
    public void TheInputGradientHasTheBitsOfFoldingThePatchGradients(string path, int height, int width, int channels, int filters,
        int dilation, string padding)
    {
        const int batch = 2, kernel = 3;
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        var layer = new Conv2D(filters, [kernel, kernel], [1, 1], padding, [dilation, dilation], name: "c");
        layer.Build([-1, height, width, channels], new RandomGenerator(0));
        var w = Random(5, 1, layer.Kernel!.Value.Size).Data;
        w.CopyTo(layer.Kernel.Value.Data, 0);
        var (_, input, y, dz) = TrainingPass(layer, Random(7, 1, batch, height, width, channels));
        int oh = y.Value.ShapeArray()[1], ow = y.Value.ShapeArray()[2], k = kernel * kernel * channels, positions = batch * oh * ow;
        int span = (kernel - 1) * dilation + 1;
        int padTop = padding == "same" ? (span - 1) / 2 : 0, padLeft = padTop;
        var g = new ConvGeometry(batch, height, width, channels, kernel, kernel, 1, 1, dilation, dilation, padTop, padLeft, oh, ow);
        // The patch gradients dz·Wᵀ by the packed product, then added position by position where each patch was read.
        var cols = new float[positions * k];
        Gemm.Multiply(dz.Data, filters, false, w, filters, true, cols, k, positions, k, filters, false);
        var expected = new float[batch * height * width * channels];
        double scale = 0;
        for (int p = 0; p < positions; p++)
        {
            int n = p / (oh * ow), q = p % (oh * ow);
            for (int i = 0; i < kernel; i++)
                for (int j = 0; j < kernel; j++)
                {
                    int ih = g.InputRow(q / ow, i), iw = g.InputColumn(q % ow, j);
                    if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
                    for (int c = 0; c < channels; c++)
                    {
                        float term = cols[p * k + (i * kernel + j) * channels + c];
                        expected[((n * height + ih) * width + iw) * channels + c] += term;
                        scale = Math.Max(scale, Math.Abs(term));
                    }
                }
        }
        Assert.True(scale > 0);
        Assert.Equal(expected, input.Gradient!.Data.ToArray());
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void TheKernelGradientMatchesADirectSumOnEveryPath(string path, int height, int width, int channels, int filters, int kernel, int stride, string padding)
    {
        const int batch = 3;
        float[] Run(InstructionSet isa)
        {
            using var scope = InstructionSets.Use(isa);
            var layer = new Conv2D(filters, [kernel, kernel], [stride, stride], padding, name: "c");
            layer.Build([-1, height, width, channels], new RandomGenerator(0));
            Random(5, 1, layer.Kernel!.Value.Size).Data.CopyTo(layer.Kernel.Value.Data, 0);
            var graph = new Graph();
            var input = graph.Input([batch, height, width, channels]);
            input.Set(Random(7, 1, batch, height, width, channels));
            var y = layer.Call(input, CallMode.Training);
            var r = graph.Input(y.Value.ShapeArray());
            r.Set(Random(8, 1, y.Value.ShapeArray()));
            var loss = Ops.Sum(Ops.Multiply(y, r));
            graph.Forward();
            graph.Backward(loss);
            return graph.GradientOf(layer.Kernel)!.Data.ToArray();
        }
        var gradient = Run(InstructionSets.Resolve(path));
        var x = Random(7, 1, batch, height, width, channels).Data;
        int oh = padding == "same" ? (height + stride - 1) / stride : (height - kernel) / stride + 1;
        int ow = padding == "same" ? (width + stride - 1) / stride : (width - kernel) / stride + 1;
        var dz = Random(8, 1, batch, oh, ow, filters).Data;
        int padTop = padding == "same" ? Math.Max(0, ((oh - 1) * stride + kernel - height) / 2) : 0;
        int padLeft = padding == "same" ? Math.Max(0, ((ow - 1) * stride + kernel - width) / 2) : 0;
        var g = new ConvGeometry(batch, height, width, channels, kernel, kernel, stride, stride, 1, 1, padTop, padLeft, oh, ow);
        // dW[i, j, c, f] = Σ x[n, ih, iw, c]·dz[n, oh, ow, f] in doubles.
        for (int i = 0; i < kernel; i++)
            for (int j = 0; j < kernel; j++)
                for (int c = 0; c < channels; c++)
                    for (int f = 0; f < filters; f++)
                    {
                        double sum = 0, scale = 0;
                        for (int n = 0; n < batch; n++)
                            for (int h = 0; h < oh; h++)
                                for (int w = 0; w < ow; w++)
                                {
                                    int ih = g.InputRow(h, i), iw = g.InputColumn(w, j);
                                    if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
                                    double term = (double)x[((n * height + ih) * width + iw) * channels + c] * dz[((n * oh + h) * ow + w) * filters + f];
                                    sum += term;
                                    scale += Math.Abs(term);
                                }
                        float actual = gradient[((i * kernel + j) * channels + c) * filters + f];
                        Assert.True(Math.Abs(actual - sum) <= 1e-6 * scale + 1e-9, $"dW[{i}, {j}, {c}, {f}] = {actual}, direct sum {sum}");
                    }
        // Every path gives the scalar path's bits.
        Assert.Equal(Run(InstructionSet.Scalar), gradient);
    }
}
