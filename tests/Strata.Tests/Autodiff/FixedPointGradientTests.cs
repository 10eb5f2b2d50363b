using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Autodiff;

/// <summary>
/// Gradients taken as fixed-point sums (<see cref="Graph.ReproducibleSums"/>) are the float gradients, to float precision:
/// Dense's and Conv2D's kernel and bias gradients against the float products' on the same graph.
/// </summary>
public class FixedPointGradientTests
{
    // The gradients of Σ y ⊙ w for one layer called on x, in float or in fixed point (rounded as the fit loop does).
    private static float[][] Gradients(Layer layer, Tensor x, Tensor w, bool reproducible)
    {
        var graph = new Graph { ReproducibleSums = reproducible };
        var input = graph.Input(x.ShapeArray());
        input.Set(x);
        var y = layer.Call(input, CallMode.Training);
        var weights = graph.Input(w.ShapeArray());
        weights.Set(w);
        graph.Forward();
        graph.Backward(Ops.Sum(Ops.Multiply(y, weights)));
        return [.. layer.Variables.Select(v =>
        {
            var gradient = graph.GradientOf(v)!.Data.ToArray();
            var sums = graph.FixedPointGradientOf(v);
            Assert.Equal(reproducible, sums is not null);
            sums?.RoundInto(gradient);
            return gradient;
        })];
    }

    private static void AssertSameGradients(Layer layer, int[] inputShape, int[] outputShape)
    {
        layer.Build([-1, .. inputShape[1..]], new RandomGenerator(3));
        var x = TestSupport.Random(1, 2.0, inputShape);
        for (int i = 0; i < x.Size; i += 5) x.Data[i] = 0;
        var w = TestSupport.Random(2, 0.01, outputShape);
        var floats = Gradients(layer, x, w, reproducible: false);
        var fixedPoint = Gradients(layer, x, w, reproducible: true);
        for (int v = 0; v < floats.Length; v++)
        {
            double scale = floats[v].Max(g => Math.Abs(g));
            Assert.True(scale > 0);
            TestSupport.AssertClose(floats[v], fixedPoint[v], 2e-6 * scale, layer.Variables.ElementAt(v).Name);
        }
    }

    [Fact]
    public void DenseKernelAndBiasGradientsAreTheFloatOnes() =>
        AssertSameGradients(new Dense(7, "tanh"), [37, 13], [37, 7]);

    [Fact]
    public void Conv2DKernelAndBiasGradientsAreTheFloatOnes() =>
        AssertSameGradients(new Conv2D(new Conv2DConfig { Filters = 5, KernelSize = [3, 3], Padding = Padding.Same, Activation = ActivationFunction.Relu }),
            [4, 6, 5, 3], [4, 6, 5, 5]);
}
