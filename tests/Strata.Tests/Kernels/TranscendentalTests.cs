using Strata.Kernels;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Kernels;

public class TranscendentalTests
{
    public static IEnumerable<object[]> Paths() => InstructionSets.Supported.Select(isa => new object[] { InstructionSets.Name(isa) });

    // A dense sweep of [-20, 20], the tanh polynomial's break point ±0.125 and its neighbours, tiny values,
    // the exp clamp's edges and far outside them; 4099 values, so every width has a scalar tail.
    private static float[] Sweep()
    {
        var values = new List<float> { 0f, -0f, 0.125f, -0.125f, MathF.BitDecrement(0.125f), MathF.BitIncrement(-0.125f),
            1e-30f, -1e-30f, 1e-6f, -87f, 88f, -100f, 100f, -1e30f, 1e30f };
        for (int i = 0; values.Count < 4099; i++) values.Add(-20f + 40f * i / 4083);
        return [.. values];
    }

    private static float[] Run(string path, ActivationFunction f, float[] x)
    {
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        var y = new float[x.Length];
        ActivationKernels.Forward(f, x, y, 1);
        return y;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SigmoidIsWithinFourUlpOfTheExactValueOnEveryPath(string path)
    {
        var x = Sweep();
        var y = Run(path, ActivationFunction.Sigmoid, x);
        for (int i = 0; i < x.Length; i++)
        {
            double exact = 1 / (1 + Math.Exp(-(double)x[i]));
            // Below e^−87 the clamp keeps a value under 2e-38 where the exact one is smaller still.
            double tolerance = Math.Max(4 * Ulp((float)exact), 2e-38);
            Assert.True(Math.Abs(y[i] - exact) <= tolerance, $"sigmoid({x[i]:R}) = {y[i]:R}, exact {exact:R}");
        }
        Assert.Equal(0.5f, y[0]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void TanhIsWithinFourUlpOfTheExactValueAndOddOnEveryPath(string path)
    {
        var x = Sweep();
        var y = Run(path, ActivationFunction.Tanh, x);
        for (int i = 0; i < x.Length; i++)
        {
            double exact = Math.Tanh(x[i]);
            Assert.True(Math.Abs(y[i] - exact) <= 4 * Ulp((float)exact) + 1e-45, $"tanh({x[i]:R}) = {y[i]:R}, exact {exact:R}");
        }
        var negated = Run(path, ActivationFunction.Tanh, x.Select(v => -v).ToArray());
        Assert.Equal(y.Select(v => -v).ToArray(), negated);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EveryPathGivesTheScalarPathsBits(string path)
    {
        var x = Sweep();
        foreach (var f in new[] { ActivationFunction.Sigmoid, ActivationFunction.Tanh })
            Assert.Equal(Run("scalar", f, x), Run(path, f, x));
        var dy = x.Select((v, i) => 0.01f * i - 3f).ToArray();
        float[] Backward(string p, ActivationFunction f)
        {
            using var scope = InstructionSets.Use(InstructionSets.Resolve(p));
            var y = Run(p, f, x);
            var dz = new float[x.Length];
            ActivationKernels.Backward(f, x, y, dy, dz, 1);
            return dz;
        }
        foreach (var f in new[] { ActivationFunction.Sigmoid, ActivationFunction.Tanh })
            Assert.Equal(Backward("scalar", f), Backward(path, f));
    }

    [Fact]
    public void GradientsAreTheDerivativesWrittenFromTheOutput()
    {
        float[] y = [0.25f, 0.5f, 0.9f], dy = [2f, -1f, 4f], dz = new float[3];
        ActivationKernels.Backward(ActivationFunction.Sigmoid, y, y, dy, dz, 1);
        Assert.Equal([2f * 0.25f * 0.75f, -1f * 0.5f * 0.5f, 4f * 0.9f * (1f - 0.9f)], dz);
        ActivationKernels.Backward(ActivationFunction.Tanh, y, y, dy, dz, 1);
        Assert.Equal([2f * (1f - 0.0625f), -1f * 0.75f, 4f * (1f - 0.9f * 0.9f)], dz);
    }

    private static double Ulp(float v) => MathF.BitIncrement(MathF.Abs(v)) - MathF.Abs(v);
}
