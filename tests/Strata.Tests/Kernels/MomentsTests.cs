using Strata.Distributed;
using Strata.Kernels;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Kernels;

public class MomentsTests
{
    // [batch, outer, channels, inner]: several row blocks of a few channels; groups of 64 channels with
    // a ragged last group; whole-vector rows (the flat loop); odd widths (scalar tails); channels inside.
    public static TheoryData<int, int, int, int> Layouts() => new()
    {
        { 1, 20000, 4, 1 },
        { 1, 3000, 96, 1 },
        { 1, 700, 16, 1 },
        { 3, 41, 13, 1 },
        { 1, 1, 7, 1 },
        { 2, 5, 3, 7 },
        { 1, 60, 5, 600 },
        { 4, 9, 2, 33 },
    };

    // A large mean, so a one-pass variance would lose digits, and a different one per channel.
    private static float[] Data(int seed, int length, int channels, int inner, int offset = 0)
    {
        var x = TestSupport.Random(seed, 1, offset + length).Data;
        for (int i = 0; i < length; i++) x[offset + i] = 100f + 3f * x[offset + i] + i / inner % channels;
        return x;
    }

    private static IEnumerable<int> Indices(int b, int c, int outer, int channels, int inner) =>
        Enumerable.Range(0, outer).SelectMany(o => Enumerable.Range(((b * outer + o) * channels + c) * inner, inner));

    private static (double[] Mean, double[] Squares) MomentsOf(float[] x, int offset, int batch, int outer, int channels, int inner)
    {
        var (mean, squares) = (new double[batch * channels], new double[batch * channels]);
        Moments.MeanAndSquares(x, offset, batch, outer, channels, inner, mean, squares);
        return (mean, squares);
    }

    public static IEnumerable<object[]> Paths() => InstructionSets.Supported.Select(isa => new object[] { InstructionSets.Name(isa) });

    // Every layout under every path this machine runs.
    public static IEnumerable<object[]> PathsAndLayouts() =>
        InstructionSets.Supported.SelectMany(isa => Layouts().Select(l => new object[] { InstructionSets.Name(isa) }.Concat(l).ToArray()));

    private static T WithPath<T>(InstructionSet isa, Func<T> run)
    {
        using var scope = InstructionSets.Use(isa);
        return run();
    }

    private static T WithThreads<T>(int threads, Func<T> run)
    {
        int saved = Compute.Threads;
        Compute.Threads = threads;
        try
        {
            return run();
        }
        finally
        {
            Compute.Threads = saved;
        }
    }

    [Theory]
    [MemberData(nameof(PathsAndLayouts))]
    public void MomentsMatchADoublePrecisionReferenceOnEveryPath(string path, int batch, int outer, int channels, int inner)
    {
        var x = Data(11, batch * outer * channels * inner, channels, inner);
        var vector = WithPath(InstructionSets.Resolve(path), () => MomentsOf(x, 0, batch, outer, channels, inner));
        var scalar = WithPath(InstructionSet.Scalar, () => MomentsOf(x, 0, batch, outer, channels, inner));
        // Every path's vectors keep each channel's order, so they give the scalar loops' bits.
        Assert.Equal(scalar.Mean, vector.Mean);
        Assert.Equal(scalar.Squares, vector.Squares);
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
            {
                var values = Indices(b, c, outer, channels, inner).Select(i => (double)x[i]).ToArray();
                double m = values.Average(), q = values.Sum(v => (v - m) * (v - m));
                int s = b * channels + c;
                Assert.Equal(m, vector.Mean[s], 1e-5 * Math.Abs(m));
                Assert.Equal(q, vector.Squares[s], 1e-3 * q + 1e-6);
            }
    }

    [Theory]
    [MemberData(nameof(PathsAndLayouts))]
    public void SumsMatchADoublePrecisionReferenceOnEveryPath(string path, int batch, int outer, int channels, int inner)
    {
        int n = batch * outer * channels * inner;
        var a = TestSupport.Random(12, 1, n).Data;
        var w = TestSupport.Random(13, 1, n).Data;
        (float[], float[]) Run() { var r = (new float[batch * channels], new float[batch * channels]); Moments.Sums(a, w, 0, batch, outer, channels, inner, r.Item1, r.Item2); return r; }
        var vector = WithPath(InstructionSets.Resolve(path), Run);
        var scalar = WithPath(InstructionSet.Scalar, Run);
        Assert.Equal(scalar.Item1, vector.Item1);
        Assert.Equal(scalar.Item2, vector.Item2);
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
            {
                var indices = Indices(b, c, outer, channels, inner).ToArray();
                double sumA = indices.Sum(i => (double)a[i]), sumAW = indices.Sum(i => (double)a[i] * w[i]);
                // Summed in double and rounded once: within half a float ulp of the exact sums.
                Assert.Equal(sumA, vector.Item1[b * channels + c], 6e-8 * Math.Abs(sumA) + 1e-12);
                Assert.Equal(sumAW, vector.Item2[b * channels + c], 6e-8 * Math.Abs(sumAW) + 1e-12);
            }
    }

    // BatchNormalization's backward takes x̂ from x instead of a stored copy: the same float x̂, the same sums.
    [Theory]
    [MemberData(nameof(PathsAndLayouts))]
    public void NormalizedSumsAreTheSumsOverTheStoredXHat(string path, int batch, int outer, int channels, int inner)
    {
        if (batch != 1) (outer, batch) = (outer * batch, 1);
        int n = outer * channels * inner;
        var a = TestSupport.Random(14, 1, n).Data;
        var x = Data(15, n, channels, inner);
        var mean = Enumerable.Range(0, channels).Select(c => 100f + c + 0.25f).ToArray();
        var invStd = Enumerable.Range(0, channels).Select(c => 0.3f + 0.01f * c).ToArray();
        var xhat = new float[n];
        for (int i = 0; i < n; i++) { int c = i / inner % channels; xhat[i] = (x[i] - mean[c]) * invStd[c]; }
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        var (storedA, storedAX) = (new double[channels], new double[channels]);
        Moments.Sums(a, xhat, 0, 1, outer, channels, inner, storedA, storedAX);
        var (takenA, takenAX) = (new double[channels], new double[channels]);
        Moments.NormalizedSums(a, x, mean, invStd, outer, channels, inner, takenA, takenAX);
        Assert.Equal(storedA, takenA);
        Assert.Equal(storedAX, takenAX);
        Assert.Contains(storedAX, v => v != 0);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void AGradientConstantOverTheBatchSumsToExactlyItsCountTimesItself(string path)
    {
        // What BatchNormalization's backward pass subtracts: the mean of a constant gradient is the constant, so
        // dy − mean(dy) is exactly zero, whoever summed which rows.
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        int rows = 256, channels = 70;
        var dy = new float[rows * channels];
        for (int i = 0; i < dy.Length; i++) dy[i] = -0.0123456789f * (1 + i % channels);
        var (sum, product) = (new double[channels], new double[channels]);
        Moments.Sums(dy, dy, 0, 1, rows, channels, 1, sum, product);
        for (int c = 0; c < channels; c++)
        {
            Assert.Equal(rows * (double)dy[c], sum[c]);
            Assert.Equal((float)(rows * ((double)dy[c] * dy[c])), (float)product[c]);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ShardsMergedInRankOrderGiveTheFloatStatisticsOfTheWholeBatch(string path)
    {
        // Synchronized BatchNormalization merges each rank's moments: rounded to float they are the whole batch's.
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        int rows = 256, channels = 100;
        var x = Data(15, rows * channels, channels, 1);
        var whole = MomentsOf(x, 0, 1, rows, channels, 1);
        var gathered = new List<double>();
        foreach (var (from, count) in new[] { (0, 86), (86, 85), (171, 85) })
        {
            var shard = MomentsOf(x, from * channels, 1, count, channels, 1);
            var packed = new double[channels * SynchronizedMoments.ValuesPerChannel];
            SynchronizedMoments.Pack(count, shard.Mean, shard.Squares, packed);
            gathered.AddRange(packed);
        }
        var (mean, squares) = (new double[channels], new double[channels]);
        Assert.Equal(rows, SynchronizedMoments.Merge(gathered.ToArray(), 3, mean, squares));
        for (int c = 0; c < channels; c++)
        {
            Assert.Equal((float)whole.Mean[c], (float)mean[c]);
            Assert.Equal((float)(whole.Squares[c] / rows), (float)(squares[c] / rows));
        }
    }

    [Theory]
    [MemberData(nameof(PathsAndLayouts))]
    public void ResultsAreIdenticalForOneAndTwoThreads(string path, int batch, int outer, int channels, int inner)
    {
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        var x = Data(14, batch * outer * channels * inner, channels, inner);
        var one = WithThreads(1, () => MomentsOf(x, 0, batch, outer, channels, inner));
        var two = WithThreads(2, () => MomentsOf(x, 0, batch, outer, channels, inner));
        Assert.Equal(one.Mean, two.Mean);
        Assert.Equal(one.Squares, two.Squares);
        var (sumOne, sumTwo) = (new float[2 * batch * channels], new float[2 * batch * channels]);
        WithThreads(1, () => { Moments.Sums(x, x, 0, batch, outer, channels, inner, sumOne.AsSpan(0, batch * channels), sumOne.AsSpan(batch * channels)); return 0; });
        WithThreads(2, () => { Moments.Sums(x, x, 0, batch, outer, channels, inner, sumTwo.AsSpan(0, batch * channels), sumTwo.AsSpan(batch * channels)); return 0; });
        Assert.Equal(sumOne, sumTwo);
    }

    // The same values per channel, laid out with the channels inside or last, give the same bits.
    [Theory]
    [InlineData(30, 6, 50)]
    [InlineData(3, 2, 9000)]
    [InlineData(7, 80, 3)]
    public void ChannelsInsideGiveTheBitsOfTheChannelsLastLayout(int outer, int channels, int inner)
    {
        var x = Data(15, outer * channels * inner, channels, inner);
        var rows = new float[x.Length];
        for (int o = 0; o < outer; o++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++)
                    rows[(o * inner + i) * channels + c] = x[(o * channels + c) * inner + i];
        var inside = MomentsOf(x, 0, 1, outer, channels, inner);
        var last = MomentsOf(rows, 0, 1, outer * inner, channels, 1);
        Assert.Equal(last.Mean, inside.Mean);
        Assert.Equal(last.Squares, inside.Squares);
    }

    [Fact]
    public void AnOffsetReadsTheDataFromThere()
    {
        var x = Data(16, 500 * 9, 9, 1, offset: 37);
        var alone = x[37..];
        var (expected, actual) = (MomentsOf(alone, 0, 1, 500, 9, 1), MomentsOf(x, 37, 1, 500, 9, 1));
        Assert.Equal(expected.Mean, actual.Mean);
        Assert.Equal(expected.Squares, actual.Squares);
    }

    // Merging two halves' moments gives the moments of the whole (Chan et al.), checked in double precision.
    [Fact]
    public void MergingBatchesGivesTheMomentsOfTheirUnion()
    {
        const int Channels = 3;
        var x = Data(17, 300 * Channels, Channels, 1);
        var first = MomentsOf(x, 0, 1, 100, Channels, 1);
        var second = MomentsOf(x, 100 * Channels, 1, 200, Channels, 1);
        var (mean, squares) = (new double[Channels], new double[Channels]);
        Moments.Merge(mean, squares, 0, first.Mean, first.Squares, 100);
        Moments.Merge(mean, squares, 100, second.Mean, second.Squares, 200);
        for (int c = 0; c < Channels; c++)
        {
            var values = Enumerable.Range(0, 300).Select(r => (double)x[r * Channels + c]).ToArray();
            double m = values.Average(), q = values.Sum(v => (v - m) * (v - m));
            Assert.Equal(m, mean[c], 1e-5 * Math.Abs(m));
            Assert.Equal(q, squares[c], 1e-4 * q);
        }
    }
}
