using Strata.Autodiff;
using Strata.Layers.Normalization;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Normalization;

/// <summary>A prediction graph lets BatchNormalization's output stand in for x̂; what it computes does not change.</summary>
public class ForwardOnlyNormalizationTests
{
    public static IEnumerable<object[]> Configs() =>
    [
        [new BatchNormalizationConfig(), new[] { 5, 4, 3 }],
        [new BatchNormalizationConfig { Axis = [1], Epsilon = 0.1 }, new[] { 5, 3, 4 }],
        [new BatchNormalizationConfig { Axis = [1, 2] }, new[] { 5, 3, 4 }],
    ];

    [Theory]
    [MemberData(nameof(Configs))]
    public void AForwardOnlyGraphGivesTheBitsOfOneReadyForBackward(BatchNormalizationConfig config, int[] shape)
    {
        var x = TestSupport.Random(1, 2.0, shape);
        var layer = new BatchNormalization(config);
        layer.Build([-1, .. shape[1..]], new RandomGenerator(2));
        foreach (var v in layer.Variables)
            TestSupport.Random(3, 0.5, v.Value.ShapeArray()).Data.Select(d => v.Name == "moving_variance" ? 1 + MathF.Abs(d) : d).ToArray().CopyTo(v.Value.Data, 0);
        float[] Run(bool forwardOnly)
        {
            var graph = new Graph { ForwardOnly = forwardOnly };
            var input = graph.Input(shape, requiresGradient: !forwardOnly);
            input.Set(x);
            var y = layer.Call(input, CallMode.Inference);
            graph.Forward();
            return y.Value.Data.ToArray();
        }
        var ready = Run(forwardOnly: false);
        Assert.Equal(ready, Run(forwardOnly: true));
        // The layer did normalize: the output is not its input.
        Assert.NotEqual(x.Data, ready);
    }
}
