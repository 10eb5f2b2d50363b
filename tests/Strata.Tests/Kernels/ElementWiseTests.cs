using Strata.Kernels;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Kernels;

public class ElementWiseTests
{
    // Lengths around every vector width (4, 8, 16), so whole vectors and scalar tails are both covered.
    private static readonly int[] Lengths = [0, 1, 3, 4, 7, 8, 15, 16, 17, 33, 100, 1027];

    public static IEnumerable<object[]> PathsAndLengths() =>
        InstructionSets.Supported.SelectMany(isa => Lengths.Select(n => new object[] { InstructionSets.Name(isa), n }));

    public static IEnumerable<object[]> Paths() => InstructionSets.Supported.Select(isa => new object[] { InstructionSets.Name(isa) });

    // Values spread over [-8, 8], with exact zeros and sixes, the activations' break points.
    private static float[] Values(int seed, int n)
    {
        var x = TestSupport.Random(seed, 1, n).Data;
        for (int i = 0; i < n; i++) x[i] = i % 11 == 0 ? 0f : i % 13 == 0 ? 6f : 8f * x[i];
        return x;
    }

    private static float[] Run(string path, float[] x, float[] y, float[] z, Action<float[], float[], float[]> kernel)
    {
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        var result = (float[])z.Clone();
        kernel(x, y, result);
        return result;
    }

    [Theory]
    [MemberData(nameof(PathsAndLengths))]
    public void BinaryMapsGiveTheFormulaBitsOnEveryPath(string path, int n)
    {
        var (x, y, z) = (Values(1, n), Values(2, n), Values(3, n));
        // Expected values come from the formulas written out here, not from the kernels.
        Assert.Equal(x.Zip(y, (a, b) => a + b).ToArray(), Run(path, x, y, z, (a, b, c) => RowKernels.Add(a, b, c)));
        Assert.Equal(x.Zip(y, (a, b) => a * b).ToArray(), Run(path, x, y, z, (a, b, c) => RowKernels.Multiply(a, b, c)));
        Assert.Equal(x.Zip(y, (a, b) => a > b ? a : b).ToArray(), Run(path, x, y, z, (a, b, c) => RowKernels.Maximum(a, b, c)));
        var fma = Enumerable.Range(0, n).Select(i => z[i] + (float)(x[i] * y[i])).ToArray();
        Assert.Equal(fma, Run(path, x, y, z, (a, b, c) => RowKernels.MultiplyAdd(a, b, c)));
    }

    [Theory]
    [MemberData(nameof(PathsAndLengths))]
    public void ReluFamilyGivesTheFormulaBitsOnEveryPath(string path, int n)
    {
        var (x, dy) = (Values(4, n), Values(5, n));
        var none = new float[n];
        float[] Forward(ActivationFunction f) => Run(path, x, x, none, (a, _, c) => ActivationKernels.Forward(f, a, c, 1));
        float[] Backward(ActivationFunction f, float[] y) => Run(path, y, dy, none, (a, b, c) => ActivationKernels.Backward(f, a, a, b, c, 1));
        Assert.Equal(x.Select(v => v > 0 ? v : 0f).ToArray(), Forward(ActivationFunction.Relu));
        Assert.Equal(x.Select(v => v < 0 ? 0f : v > 6 ? 6f : v).ToArray(), Forward(ActivationFunction.Relu6));
        Assert.Equal(x.Select(v => (v < -3 ? 0f : v > 3 ? 6f : v + 3f) / 6f).ToArray(), Forward(ActivationFunction.HardSigmoid));
        Assert.Equal(Enumerable.Range(0, n).Select(i => x[i] > 0 ? dy[i] : 0f).ToArray(), Backward(ActivationFunction.Relu, x));
        Assert.Equal(Enumerable.Range(0, n).Select(i => x[i] > 0 && x[i] < 6 ? dy[i] : 0f).ToArray(), Backward(ActivationFunction.Relu6, x));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void BiasActivationIsIdenticalForOneAndTwoThreadsAndMatchesScalar(string path)
    {
        int rows = 300, columns = 37;
        var z = Values(6, rows * columns);
        var bias = Values(7, columns);
        float[] Run(InstructionSet isa, int threads)
        {
            int saved = Compute.Threads;
            Compute.Threads = threads;
            try
            {
                using var scope = InstructionSets.Use(isa);
                var y = new float[z.Length];
                RowKernels.BiasActivation(z, bias, y, rows, columns, ActivationFunction.Relu);
                return y;
            }
            finally
            {
                Compute.Threads = saved;
            }
        }
        var isa = InstructionSets.Resolve(path);
        var one = Run(isa, 1);
        Assert.Equal(one, Run(isa, 2));
        Assert.Equal(Run(InstructionSet.Scalar, 1), one);
    }

    [Theory]
    [MemberData(nameof(PathsAndLengths))]
    public void StandardizeRunsGiveTheFormulaBitsOnEveryPath(string path, int n)
    {
        var (x, g, h) = (Values(9, n), Values(10, n), Values(11, n));
        const float mean = 0.75f, std = 1.3f, meanG = -0.2f, meanGX = 0.4f;
        var y = Run(path, x, x, new float[n], (a, _, c) => StandardizeKernels.Normalize(a, c, mean, std));
        Assert.Equal(x.Select(v => (v - mean) / std).ToArray(), y);
        var dx = Values(12, n);
        var expected = Enumerable.Range(0, n).Select(i => dx[i] + (g[i] - meanG - h[i] * meanGX) / std).ToArray();
        Assert.Equal(expected, Run(path, g, h, dx, (a, b, c) => StandardizeKernels.InputGradient(a, b, c, std, meanG, meanGX)));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void DropoutMasksFollowTheGeneratorAtEveryRateIncludingTheEdges(string path)
    {
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        // Rates whose 2²⁴ multiples are whole and not, 0 (keep all) and the largest float below 1; 37 values, so every width has a tail.
        foreach (float rate in new[] { 0f, 0.25f, 0.3f, 1f / 3f, 0.5f, 0.9f, MathF.BitDecrement(1f) })
        {
            var mask = new float[37];
            DropoutKernels.Fill(7, rate, 2f, 1000, mask);
            Assert.Equal(Enumerable.Range(0, 37).Select(i => RandomGenerator.Uniform(7, 1000 + (ulong)i) >= rate ? 2f : 0f).ToArray(), mask);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void DropoutProductIsTheMaskTimesXOnEveryPathAndThreadCount(string path)
    {
        // Several 8192-value chunks, so two threads split the work; the mask itself comes from the generator alone.
        int n = 3 * 8192 + 5;
        var x = Values(8, n);
        (float[] Mask, float[] Y) Run(int threads)
        {
            int saved = Compute.Threads;
            Compute.Threads = threads;
            try
            {
                using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
                var (mask, y) = (new float[n], new float[n]);
                DropoutKernels.Forward(42, 0.25f, 4f / 3f, mask, x, y);
                return (mask, y);
            }
            finally
            {
                Compute.Threads = saved;
            }
        }
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Mask, two.Mask);
        Assert.Equal(one.Y, two.Y);
        Assert.All(one.Mask, m => Assert.True(m == 0f || m == 4f / 3f));
        // Every path draws the counter-based generator's own values, lane by lane.
        Assert.Equal(Enumerable.Range(0, n).Select(i => RandomGenerator.Uniform(42, (ulong)i) >= 0.25f ? 4f / 3f : 0f).ToArray(), one.Mask);
        Assert.Equal(Enumerable.Range(0, n).Select(i => x[i] * one.Mask[i]).ToArray(), one.Y);
    }
}
