using Strata.Autodiff;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Autodiff;

/// <summary>Every op's backward rule against central finite differences.</summary>
public class OpsGradientTests
{
    private static Tensor R(int seed, params int[] shape) => TestSupport.Random(seed, 1, shape);

    /// <summary>Values kept away from 0 so kinks (abs, relu, clip) are not straddled by the finite difference.</summary>
    private static Tensor AwayFromZero(int seed, params int[] shape)
    {
        var t = R(seed, shape);
        for (int i = 0; i < t.Size; i++) t.Data[i] = t.Data[i] >= 0 ? t.Data[i] + 0.2f : t.Data[i] - 0.2f;
        return t;
    }

    private static Tensor Positive(int seed, params int[] shape)
    {
        var t = R(seed, shape);
        for (int i = 0; i < t.Size; i++) t.Data[i] = Math.Abs(t.Data[i]) + 0.5f;
        return t;
    }

    public static IEnumerable<object[]> BinaryCases() =>
        from op in new[] { "add", "subtract", "multiply", "divide", "maximum", "minimum" }
        from shapes in new[] { "same", "row", "column", "scalar" }
        select new object[] { op, shapes };

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void BinaryOpsWithBroadcasting(string op, string shapes)
    {
        int[] bShape = shapes switch { "same" => [4, 5], "row" => [5], "column" => [4, 1], _ => [1] };
        var a = AwayFromZero(1, 4, 5);
        var b = op == "divide" ? Positive(2, bShape) : AwayFromZero(2, bShape);
        if (op is "maximum" or "minimum")
            for (int i = 0; i < b.Size; i++) b.Data[i] += 0.05f; // avoid ties with a
        TestSupport.CheckGradients(n => op switch
        {
            "add" => Ops.Add(n[0], n[1]),
            "subtract" => Ops.Subtract(n[0], n[1]),
            "multiply" => Ops.Multiply(n[0], n[1]),
            "divide" => Ops.Divide(n[0], n[1]),
            "maximum" => Ops.Maximum(n[0], n[1]),
            _ => Ops.Minimum(n[0], n[1]),
        }, [a, b]);
    }

    [Theory]
    [InlineData("negate")]
    [InlineData("abs")]
    [InlineData("square")]
    [InlineData("sqrt")]
    [InlineData("exp")]
    [InlineData("log")]
    [InlineData("softplus")]
    [InlineData("clip")]
    [InlineData("scale")]
    [InlineData("add_scalar")]
    public void UnaryOps(string op)
    {
        var x = op is "sqrt" or "log" ? Positive(3, 3, 7) : AwayFromZero(3, 3, 7);
        TestSupport.CheckGradients(n => op switch
        {
            "negate" => Ops.Negate(n[0]),
            "abs" => Ops.Abs(n[0]),
            "square" => Ops.Square(n[0]),
            "sqrt" => Ops.Sqrt(n[0]),
            "exp" => Ops.Exp(n[0]),
            "log" => Ops.Log(n[0]),
            "softplus" => Ops.Softplus(n[0]),
            "clip" => Ops.Clip(n[0], -0.5f, 0.7f),
            "scale" => Ops.Scale(n[0], -2.5f),
            _ => Ops.AddScalar(n[0], 3f),
        }, [x]);
    }

    [Theory]
    [InlineData(ActivationFunction.Linear)]
    [InlineData(ActivationFunction.Relu)]
    [InlineData(ActivationFunction.Sigmoid)]
    [InlineData(ActivationFunction.Tanh)]
    [InlineData(ActivationFunction.Softmax)]
    [InlineData(ActivationFunction.Elu)]
    [InlineData(ActivationFunction.Selu)]
    [InlineData(ActivationFunction.Gelu)]
    [InlineData(ActivationFunction.LeakyRelu)]
    public void Activations(ActivationFunction f) =>
        TestSupport.CheckGradients(n => Ops.Activation(n[0], f), [AwayFromZero(4, 5, 6)]);

    [Theory]
    [InlineData(ActivationFunction.Linear)]
    [InlineData(ActivationFunction.Relu)]
    [InlineData(ActivationFunction.Tanh)]
    [InlineData(ActivationFunction.Gelu)]
    [InlineData(ActivationFunction.Softmax)]
    public void FusedDenseMatchesItsParts(ActivationFunction f)
    {
        var x = R(5, 9, 7);
        var w = TestSupport.Random(6, 0.3, 7, 5);
        var b = TestSupport.Random(7, 0.3, 5);
        // A small step keeps the finite difference from straddling ReLU's kink.
        TestSupport.CheckGradients(n => Ops.Dense(n[0], n[1], n[2], f), [x, w, b], step: 1e-3);
        TestSupport.CheckGradients(n => Ops.Dense(n[0], n[1], null, f), [x, w], step: 1e-3);
    }

    [Fact]
    public void MatMulReduceReshapeLogSoftmax()
    {
        TestSupport.CheckGradients(n => Ops.MatMul(n[0], n[1]), [R(8, 4, 6), R(9, 6, 3)]);
        TestSupport.CheckGradients(n => Ops.Sum(n[0]), [R(10, 3, 4)]);
        TestSupport.CheckGradients(n => Ops.Mean(n[0]), [R(10, 3, 4)]);
        TestSupport.CheckGradients(n => Ops.Sum(n[0], 1, keepDims: true), [R(11, 2, 3, 4)]);
        TestSupport.CheckGradients(n => Ops.Mean(n[0], 0), [R(11, 2, 3, 4)]);
        TestSupport.CheckGradients(n => Ops.Reshape(n[0], 6, 4), [R(12, 2, 3, 4)]);
        TestSupport.CheckGradients(n => Ops.Slice(n[0], 1, 1, 2), [R(14, 2, 4, 3)]);
        TestSupport.CheckGradients(n => Ops.Slice(n[0], -1, 2, 1), [R(15, 3, 4)]);
        TestSupport.CheckGradients(n => Ops.Concatenate([n[0], n[1], n[0]], 1), [R(16, 2, 1, 3), R(17, 2, 2, 3)]);
        TestSupport.CheckGradients(n => Ops.LogSoftmax(n[0]), [R(13, 3, 5)]);
    }

    private static Node BatchNorm(Node x, int[] shape, BatchNormOptions options, bool batchStatistics, int seed, Variable[] trainable)
    {
        var g = x.Graph;
        var mean = new Variable("moving_mean", R(seed + 2, shape), false);
        var variance = new Variable("moving_variance", Positive(seed + 3, shape), false);
        var nodes = new BatchNormNodes(g.Parameter(trainable[0], true), g.Parameter(trainable[1], true), g.Parameter(mean, false), g.Parameter(variance, false))
        {
            RenormMean = options.Renorm ? g.Parameter(new Variable("renorm_mean", Tensor.Filled(10, shape), false), false) : null,
            RenormStddev = options.Renorm ? g.Parameter(new Variable("renorm_stddev", Positive(seed + 5, shape), false), false) : null,
        };
        return Ops.BatchNormalization(x, nodes, options, batchStatistics);
    }

    public static IEnumerable<object[]> BatchNormCases() =>
    [
        // input shape, feature axes, parameter shape, ghost batch size, renorm
        [new[] { 8, 5 }, new[] { 1 }, new[] { 5 }, 0, false],
        [new[] { 2, 3, 4, 5 }, new[] { 2 }, new[] { 4 }, 0, false],
        [new[] { 3, 4, 2, 3 }, new[] { 1, 2 }, new[] { 1, 4, 2, 1 }, 0, false],
        [new[] { 3, 4, 2, 3 }, new[] { 1, 3 }, new[] { 1, 4, 1, 3 }, 0, false],
        [new[] { 12, 4 }, new[] { 1 }, new[] { 4 }, 4, false],
        [new[] { 10, 4 }, new[] { 1 }, new[] { 4 }, 4, false],
        [new[] { 9, 4 }, new[] { 1 }, new[] { 4 }, 0, true],
        [new[] { 12, 2, 3 }, new[] { 2 }, new[] { 3 }, 6, true],
    ];

    [Theory]
    [MemberData(nameof(BatchNormCases))]
    public void BatchNormalizationInBothModes(int[] shape, int[] axes, int[] parameterShape, int ghost, bool renorm)
    {
        foreach (bool batchStatistics in new[] { true, false })
        {
            var gamma = new Variable("gamma", Positive(15, parameterShape), true);
            var beta = new Variable("beta", R(16, parameterShape), true);
            // r and d are constants in the backward pass (stop_gradient); clipping them to fixed
            // values (renorm_mean far from the data puts d at −dmax) makes the forward agree.
            var options = new BatchNormOptions
            {
                Axes = axes, VirtualBatchSize = ghost, Renorm = renorm,
                RenormRMin = renorm ? 1.2f : null, RenormRMax = renorm ? 1.2f : null, RenormDMax = renorm ? 0.5f : null,
            };
            TestSupport.CheckGradients(n => BatchNorm(n[0], parameterShape, options, batchStatistics, 17, [gamma, beta]),
                [TestSupport.Random(14, 2, shape)], [gamma, beta], tolerance: 3e-2);
        }
    }

    [Fact]
    public void DropoutWithAFrozenMask()
    {
        var stream = new RandomStream(5);
        TestSupport.CheckGradients(n => Ops.Dropout(n[0], 0.4f, [6, 8], stream), [R(22, 6, 8)], beforeForward: () => stream.Step = 3);
        TestSupport.CheckGradients(n => Ops.Dropout(n[0], 0.4f, [6, 1], stream), [R(23, 6, 8)], beforeForward: () => stream.Step = 3);
    }

    [Fact]
    public void OneHotCarriesNoGradientAndRejectsBadLabels()
    {
        var graph = new Graph();
        var labels = graph.Input([3, 1]);
        labels.Set(new Tensor([3, 1], [0, 2, 1]));
        var oneHot = Ops.OneHot(labels, 3);
        graph.Forward();
        Assert.Equal(new float[] { 1, 0, 0, 0, 0, 1, 0, 1, 0 }, oneHot.Value.Data);
        labels.Set(new Tensor([3, 1], [0, 3, 1]));
        var e = Assert.Throws<StrataException>(() => graph.Forward());
        Assert.Contains("Label 3 of sample 1", e.Message);
    }

    [Fact]
    public void BroadcastingErrorsNameBothShapes()
    {
        var graph = new Graph();
        var e = Assert.Throws<StrataException>(() => Ops.Add(graph.Input([2, 3]), graph.Input([4])));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4,)", e.Message);
    }

    // Fused layouts (trailing axes, group normalization's [batch, outer, channels, inner], channels inside)
    // and one the fused node cannot take (three runs of reduced axes), against a double-precision reference.
    [Theory]
    [InlineData(new[] { 4, 6 }, new[] { 1 })]
    [InlineData(new[] { 2, 3, 4, 5 }, new[] { 1, 3 })]
    [InlineData(new[] { 3, 4, 5 }, new[] { 1 })]
    [InlineData(new[] { 2, 3, 2, 2, 3 }, new[] { 0, 2, 4 })]
    public void StandardizeMatchesAReferenceAndItsGradient(int[] shape, int[] axes)
    {
        var x = R(21, shape);
        for (int i = 0; i < x.Size; i++) x.Data[i] += 5f + i % 3;
        var graph = new Graph();
        var input = graph.Input(shape);
        input.Set(x);
        var y = Ops.Standardize(input, axes, 1e-3f);
        graph.Forward();
        var groups = new Dictionary<int, List<int>>();
        var index = new int[shape.Length];
        for (int i = 0; i < x.Size; i++)
        {
            int key = 0;
            for (int d = 0; d < shape.Length; d++) if (!axes.Contains(d)) key = key * shape[d] + index[d];
            (groups.TryGetValue(key, out var list) ? list : groups[key] = []).Add(i);
            for (int d = shape.Length - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
        }
        foreach (var members in groups.Values)
        {
            double mean = members.Average(i => (double)x.Data[i]);
            double variance = members.Average(i => (x.Data[i] - mean) * (x.Data[i] - mean));
            foreach (int i in members) Assert.Equal((x.Data[i] - mean) / Math.Sqrt(variance + 1e-3), y.Value.Data[i], 1e-4);
        }
        TestSupport.CheckGradients(n => Ops.Standardize(n[0], axes, 1e-3f), [x]);
    }

    [Fact]
    public void SliceAndConcatenateMoveTheRightEntries()
    {
        var graph = new Graph();
        var x = graph.Input([2, 3, 2]);
        x.Set(new Tensor([2, 3, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
        var step = Ops.Slice(x, 1, 1, 2);
        var joined = Ops.Concatenate([Ops.Slice(x, 2, 1, 1), Ops.Slice(x, 2, 0, 1)], 2);
        graph.Forward();
        Assert.Equal(new float[] { 2, 3, 4, 5, 8, 9, 10, 11 }, step.Value.Data);
        Assert.Equal(new float[] { 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10 }, joined.Value.Data);
        Assert.Throws<StrataException>(() => Ops.Slice(x, 1, 2, 2));
        Assert.Throws<StrataException>(() => Ops.Concatenate([x, Ops.Slice(x, 0, 0, 1)], 1));
    }
}
