using Strata.Kernels;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Kernels;

public class BatchNormKernelTests
{
    // Enough rows for several row blocks, with a large mean so a one-pass variance would lose digits.
    [Theory]
    [InlineData(20000, 4)]
    [InlineData(3000, 96)]
    public void StatisticsMergedOverRowBlocksMatchAPreciseComputation(int rows, int channels)
    {
        var x = TestSupport.Random(7, 1, rows * channels).Data;
        for (int i = 0; i < x.Length; i++) x[i] = 100f + 3f * x[i] + i % channels;
        var (mean, variance, invStd) = (new float[channels], new float[channels], new float[channels]);
        var (xhat, y) = (new float[x.Length], new float[x.Length]);
        var gamma = Enumerable.Range(0, channels).Select(c => 1f + 0.1f * c).ToArray();
        var beta = Enumerable.Range(0, channels).Select(c => -0.5f * c).ToArray();
        BatchNormKernels.Forward(x, rows, channels, 1, 1e-3f, gamma, beta, mean, variance, invStd, xhat, y, CallMode.Training);
        for (int c = 0; c < channels; c++)
        {
            double m = 0, q = 0;
            for (int r = 0; r < rows; r++) m += x[r * channels + c];
            m /= rows;
            for (int r = 0; r < rows; r++) q += Math.Pow(x[r * channels + c] - m, 2);
            q /= rows;
            Assert.Equal(m, mean[c], 1e-4 * Math.Abs(m));
            Assert.Equal(q, variance[c], 1e-4 * q);
            for (int r = 0; r < rows; r += 997)
                Assert.Equal((x[r * channels + c] - m) / Math.Sqrt(q + 1e-3) * gamma[c] + beta[c], y[r * channels + c], 1e-3);
        }
    }

    // So few values that the biased variance (÷n, what Keras and PyTorch normalize with) and the unbiased
    // one (÷(n−1)) differ by 14 to 33 percent; the expected values are computed here in double precision.
    [Theory]
    [InlineData(4, 3, 1)]
    [InlineData(8, 5, 1)]
    [InlineData(2, 3, 2)]
    [InlineData(1, 4, 4)]
    public void StatisticsOfAFewValuesAreTheBiasedOnes(int outer, int channels, int inner)
    {
        var x = TestSupport.Random(5, 2, outer * channels * inner).Data;
        for (int i = 0; i < x.Length; i++) x[i] += 1 + i % 3;
        var (mean, variance, invStd) = (new float[channels], new float[channels], new float[channels]);
        var (xhat, y) = (new float[x.Length], new float[x.Length]);
        const float Epsilon = 1e-3f;
        BatchNormKernels.Forward(x, outer, channels, inner, Epsilon, null, null, mean, variance, invStd, xhat, y, CallMode.Training);
        int n = outer * inner;
        for (int c = 0; c < channels; c++)
        {
            var indices = Enumerable.Range(0, outer).SelectMany(o => Enumerable.Range((o * channels + c) * inner, inner)).ToArray();
            double m = indices.Sum(i => (double)x[i]) / n;
            double q = indices.Sum(i => (x[i] - m) * (x[i] - m)) / n;
            Assert.Equal(m, mean[c], 1e-6 * (1 + Math.Abs(m)));
            Assert.Equal(q, variance[c], 1e-5 * q);
            foreach (int i in indices) Assert.Equal((x[i] - m) / Math.Sqrt(q + Epsilon), y[i], 1e-5);
        }
    }

    [Fact]
    public void StatisticsAndGradientsAreIdenticalForOneAndTwoThreads()
    {
        int rows = 9000, channels = 8;
        var x = TestSupport.Random(8, 1, rows * channels).Data;
        var dy = TestSupport.Random(9, 1, rows * channels).Data;
        float[][] Run(int threads)
        {
            int saved = Compute.Threads;
            Compute.Threads = threads;
            try
            {
                var (mean, variance, invStd) = (new float[channels], new float[channels], new float[channels]);
                var (xhat, y, dx) = (new float[x.Length], new float[x.Length], new float[x.Length]);
                var (dGamma, dBeta) = (new float[channels], new float[channels]);
                BatchNormKernels.Forward(x, rows, channels, 1, 1e-3f, null, null, mean, variance, invStd, xhat, y, CallMode.Training);
                BatchNormKernels.Backward(dy, x, mean, invStd, rows, channels, 1, null, dGamma, dBeta, dx, CallMode.Training);
                return [mean, variance, y, dGamma, dBeta, dx];
            }
            finally
            {
                Compute.Threads = saved;
            }
        }
        var one = Run(1);
        var two = Run(2);
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], two[i]);
    }

    public static IEnumerable<object[]> PathsAndLayouts() =>
        from isa in InstructionSets.Supported
        from layout in new[] { (Outer: 300, Channels: 37, Inner: 1), (Outer: 6, Channels: 5, Inner: 23) }
        select new object[] { InstructionSets.Name(isa), layout.Outer, layout.Channels, layout.Inner };

    // A training graph hands BatchNormalization its input's gradient in its own gradient's buffer.
    [Theory]
    [MemberData(nameof(PathsAndLayouts))]
    public void TheInputGradientWrittenOverDyIsTheOneAddedToZeros(string path, int outer, int channels, int inner)
    {
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        int size = outer * channels * inner;
        var x = TestSupport.Random(11, 2, size).Data;
        var dy = TestSupport.Random(12, 1, size).Data;
        var gamma = Enumerable.Range(0, channels).Select(c => 0.5f + 0.1f * c).ToArray();
        var (mean, variance, invStd) = (new float[channels], new float[channels], new float[channels]);
        var (xhat, y) = (new float[size], new float[size]);
        BatchNormKernels.Forward(x, outer, channels, inner, 1e-3f, gamma, null, mean, variance, invStd, xhat, y, CallMode.Training);
        foreach (var mode in new[] { CallMode.Training, CallMode.Inference })
        {
            var added = new float[size];
            var (dGamma, dBeta) = (new float[channels], new float[channels]);
            BatchNormKernels.Backward(dy, x, mean, invStd, outer, channels, inner, gamma, dGamma, dBeta, added, mode);
            var inPlace = (float[])dy.Clone();
            var (dGamma2, dBeta2) = (new float[channels], new float[channels]);
            BatchNormKernels.Backward(inPlace, x, mean, invStd, outer, channels, inner, gamma, dGamma2, dBeta2, inPlace, mode, accumulate: false);
            Assert.Equal(added, inPlace);
            Assert.Equal(dGamma, dGamma2);
            Assert.Equal(dBeta, dBeta2);
            // With moving statistics dx = γ/σ·dy, whatever the batch's sums.
            if (!mode.IsTraining)
                for (int i = 0; i < size; i += 7)
                {
                    int c = i / inner % channels;
                    Assert.Equal(gamma[c] * invStd[c] * dy[i], inPlace[i], 1e-6 * (1 + Math.Abs(inPlace[i])));
                }
        }
    }

    // A graph fuses BatchNormalization and the relu after it into the normalizing pass.
    [Theory]
    [MemberData(nameof(PathsAndLayouts))]
    public void TheFusedReluIsTheReluOfTheOutput(string path, int outer, int channels, int inner)
    {
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        int size = outer * channels * inner;
        var x = TestSupport.Random(13, 2, size).Data;
        var gamma = Enumerable.Range(0, channels).Select(c => 0.5f + 0.1f * c).ToArray();
        var beta = Enumerable.Range(0, channels).Select(c => 0.2f * (c % 3 - 1)).ToArray();
        float[] Run(bool relu)
        {
            var (mean, variance, invStd) = (new float[channels], new float[channels], new float[channels]);
            var y = new float[size];
            BatchNormKernels.Forward(x, outer, channels, inner, 1e-3f, gamma, beta, mean, variance, invStd, null, y, CallMode.Training, relu: relu);
            return y;
        }
        var separate = Run(relu: false);
        ActivationKernels.Forward(ActivationFunction.Relu, separate, separate, channels);
        var fused = Run(relu: true);
        Assert.Equal(separate, fused);
        Assert.Contains(fused, v => v == 0);
        Assert.Contains(fused, v => v > 0);
    }
}
