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
        TestSupport.CheckGradients(n => Ops.LogSoftmax(n[0]), [R(13, 3, 5)]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormalizationInBothModes(bool batchStatistics)
    {
        var x = TestSupport.Random(14, 2, 8, 5);
        var gamma = new Variable("gamma", Positive(15, 5), true);
        var beta = new Variable("beta", R(16, 5), true);
        var mean = new Variable("moving_mean", R(17, 5), false);
        var variance = new Variable("moving_variance", Positive(18, 5), false);
        TestSupport.CheckGradients(n => Ops.BatchNormalization(n[0], n[0].Graph.Parameter(gamma, true), n[0].Graph.Parameter(beta, true),
            n[0].Graph.Parameter(mean, false), n[0].Graph.Parameter(variance, false), -1, 0.99f, 1e-3f, batchStatistics),
            [x], [gamma, beta], tolerance: 3e-2);
    }

    [Fact]
    public void BatchNormalizationOverAnInnerAxis()
    {
        var x = TestSupport.Random(19, 1.5, 2, 3, 4, 5);
        var gamma = new Variable("gamma", Positive(20, 4), true);
        var beta = new Variable("beta", R(21, 4), true);
        var mean = new Variable("moving_mean", new Tensor(4), false);
        var variance = new Variable("moving_variance", Tensor.Filled(1, 4), false);
        TestSupport.CheckGradients(n => Ops.BatchNormalization(n[0], n[0].Graph.Parameter(gamma, true), n[0].Graph.Parameter(beta, true),
            n[0].Graph.Parameter(mean, false), n[0].Graph.Parameter(variance, false), 2, 0.9f, 1e-3f, true),
            [x], [gamma, beta], tolerance: 3e-2);
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
}
