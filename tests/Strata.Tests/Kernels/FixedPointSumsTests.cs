using Strata.Kernels;
using Xunit;

namespace Strata.Tests.Kernels;

/// <summary>
/// Fixed-point sums: each term rounded to the nearest integer (ties to even) once scaled by its power of two, the
/// integers added up. The expected values round with Math.Round on the scaled term, not the kernels' 1.5·2^52 step.
/// </summary>
public class FixedPointSumsTests
{
    private static long Term(double exact, int scale) => (long)Math.Round(Math.ScaleB(exact, scale), MidpointRounding.ToEven);

    // Values spread over several binades, some zero, so terms land on many rounding positions.
    private static float[] Spread(int seed, int length, double scale)
    {
        var values = TestSupport.Random(seed, scale, length).Data;
        for (int i = 0; i < values.Length; i++)
            values[i] = i % 7 == 3 ? 0f : values[i] * MathF.Pow(2, i % 5 - 2);
        return values;
    }

    [Fact]
    public void BitsKeepTheSumBelowTwoToThe62AndEachTermBelowTwoToThe51()
    {
        Assert.Equal(51, FixedPointSums.Bits(1));
        Assert.Equal(51, FixedPointSums.Bits(2048));
        Assert.Equal(50, FixedPointSums.Bits(2049));
        Assert.Equal(42, FixedPointSums.Bits(1 << 20));
    }

    [Fact]
    public void AnExponentBoundsEveryMagnitudeUpToTheMaximum()
    {
        Assert.Equal(0, FixedPointSums.Exponent(0));
        Assert.Equal(1, FixedPointSums.Exponent(1));
        Assert.Equal(0, FixedPointSums.Exponent(0.75));
        Assert.Equal(-9, FixedPointSums.Exponent(0.001));
        Assert.Equal(FixedPointSums.NonFinite, FixedPointSums.Exponent(double.NaN));
        Assert.Equal(FixedPointSums.NonFinite, FixedPointSums.Exponent(double.PositiveInfinity));
        Assert.True(double.IsNaN(FixedPointSums.Value(5, FixedPointSums.Add(FixedPointSums.NonFinite, 3))));
        Assert.Equal(1.25, FixedPointSums.Value(5, 2));
    }

    [Theory]
    [InlineData(2.5, 2)]
    [InlineData(3.5, 4)]
    [InlineData(-2.5, -2)]
    [InlineData(-0.49, 0)]
    [InlineData(1e15 + 0.5, 1_000_000_000_000_000)]
    [InlineData(2251799813685248.0, 2251799813685248)]
    [InlineData(-2251799813685248.0, -2251799813685248)]
    public void ATermRoundsToTheNearestIntegerTiesToEven(double term, long expected) => Assert.Equal(expected, FixedPointSums.Round(term));

    public static IEnumerable<object[]> PathsAndShapes() =>
        from isa in InstructionSets.Supported
        from shape in new[] { (Rows: 37, M: 11, N: 1024), (Rows: 5, M: 8, N: 16), (Rows: 64, M: 13, N: 21), (Rows: 1, M: 4, N: 3), (Rows: 300, M: 9, N: 40) }
        select new object[] { InstructionSets.Name(isa), shape.Rows, shape.M, shape.N };

    [Theory]
    [MemberData(nameof(PathsAndShapes))]
    public void TheTransposedProductAddsEachRoundedTermOnEveryPath(string path, int rows, int m, int n)
    {
        var a = Spread(1, rows * m, 3);
        var b = Spread(2, rows * n, 1e-3);
        // Scales as Dense sets them: 51 bits below max|a[·, i]|·max|b[·, j]|.
        var rowScale = Enumerable.Range(0, m).Select(i => 51 - FixedPointSums.Exponent(Enumerable.Range(0, rows).Max(r => Math.Abs((double)a[r * m + i])))).ToArray();
        var columnScale = Enumerable.Range(0, n).Select(j => -FixedPointSums.Exponent(Enumerable.Range(0, rows).Max(r => Math.Abs((double)b[r * n + j])))).ToArray();
        var start = Enumerable.Range(0, m * n).Select(k => (long)k * 1000 - 7).ToArray();
        var c = (long[])start.Clone();
        using (InstructionSets.Use(InstructionSets.Resolve(path)))
            FixedPointSums.AddTransposedProduct(a, m, b, n, c, rows, m, n, rowScale, columnScale);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                long sum = start[i * n + j];
                double exact = 0;
                for (int r = 0; r < rows; r++)
                {
                    sum += Term((double)a[r * m + i] * b[r * n + j], rowScale[i] + columnScale[j]);
                    exact += (double)a[r * m + i] * b[r * n + j];
                }
                Assert.Equal(sum, c[i * n + j]);
                // Each term is off by at most half a unit.
                double value = FixedPointSums.Value(c[i * n + j] - start[i * n + j], rowScale[i] + columnScale[j]);
                Assert.True(Math.Abs(value - exact) <= rows * Math.ScaleB(0.5, -(rowScale[i] + columnScale[j])) * 1.0001, $"{value} vs {exact}");
            }
    }

    // However the rows are split, the integer sums of the parts add up to the whole's.
    [Theory]
    [InlineData(1)]
    [InlineData(77)]
    [InlineData(150)]
    public void RowsSplitAnywhereAddUpToTheWholeSum(int split)
    {
        const int rows = 151, m = 12, n = 40;
        var a = Spread(3, rows * m, 1);
        var b = Spread(4, rows * n, 1);
        var rowScale = Enumerable.Repeat(49, m).ToArray();
        var columnScale = Enumerable.Repeat(-2, n).ToArray();
        var whole = new long[m * n];
        FixedPointSums.AddTransposedProduct(a, m, b, n, whole, rows, m, n, rowScale, columnScale);
        var parts = new long[m * n];
        FixedPointSums.AddTransposedProduct(a.AsSpan(split * m), m, b.AsSpan(split * n), n, parts, rows - split, m, n, rowScale, columnScale);
        FixedPointSums.AddTransposedProduct(a, m, b, n, parts, split, m, n, rowScale, columnScale);
        Assert.Equal(whole, parts);
    }

    [Fact]
    public void ColumnSumsAndMaximaAreTheRoundedTermsAndLargestMagnitudes()
    {
        const int rows = 9, n = 21, ldb = 23;
        var b = Spread(5, rows * ldb, 2);
        var scale = Enumerable.Range(0, n).Select(j => 40 + j % 3).ToArray();
        var c = new long[n];
        var max = new double[n];
        FixedPointSums.AddColumnSums(b, ldb, c, rows, n, scale);
        FixedPointSums.ColumnMaxima(b, ldb, rows, n, max);
        for (int j = 0; j < n; j++)
        {
            Assert.Equal(Enumerable.Range(0, rows).Sum(r => Term(b[r * ldb + j], scale[j])), c[j]);
            Assert.Equal(Enumerable.Range(0, rows).Max(r => Math.Abs((double)b[r * ldb + j])), max[j]);
        }
    }

    // Channels last (inner 1, on vectors) and inside (strided runs): the same terms as the formula, per channel.
    [Theory]
    [InlineData(10, 19, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(64, 8, 1)]
    public void ChannelSumsAreTheRoundedTermsInBothLayouts(int outer, int channels, int inner)
    {
        int length = outer * channels * inner;
        var x = Spread(6, length, 4);
        var dy = Spread(7, length, 0.1);
        var mean = Enumerable.Range(0, channels).Select(c => 0.25f * c - 1).ToArray();
        var invStd = Enumerable.Range(0, channels).Select(c => 0.5f + 0.125f * c).ToArray();
        var meanDouble = mean.Select(v => v + 1e-9).ToArray();
        IEnumerable<int> Of(int c) => from o in Enumerable.Range(0, outer) from k in Enumerable.Range(0, inner) select (o * channels + c) * inner + k;
        float XHat(int i, int c) => (x[i] - mean[c]) * invStd[c];
        // Scales from each channel's largest term, a few bits spare (each term must stay below 2^51).
        int[] Scales(Func<int, double> term) => Enumerable.Range(0, channels).Select(c => 48 - c % 3 - FixedPointSums.Exponent(Of(c).Max(i => Math.Abs(term(i))))).ToArray();
        var scale = Scales(i => x[i]);
        var scaleSquares = Scales(i => { double d = x[i] - meanDouble[i / inner % channels]; return d * d; });
        var scaleDy = Scales(i => dy[i]);
        var scaleProduct = Scales(i => (double)dy[i] * XHat(i, i / inner % channels));

        var max = new double[channels];
        var sums = new long[channels];
        var squares = new long[channels];
        var (maxDy, maxProduct) = (new double[channels], new double[channels]);
        var (sumDy, sumProduct) = (new long[channels], new long[channels]);
        FixedPointSums.ChannelMaxima(x, outer, channels, inner, max);
        FixedPointSums.AddChannelSums(x, outer, channels, inner, scale, sums);
        FixedPointSums.AddChannelSquaredDeviations(x, outer, channels, inner, meanDouble, scaleSquares, squares);
        FixedPointSums.GradientMaxima(dy, x, mean, invStd, outer, channels, inner, maxDy, maxProduct);
        FixedPointSums.AddGradientSums(dy, x, mean, invStd, outer, channels, inner, scaleDy, scaleProduct, sumDy, sumProduct);
        for (int c = 0; c < channels; c++)
        {
            Assert.Equal(Of(c).Max(i => Math.Abs((double)x[i])), max[c]);
            Assert.Equal(Of(c).Sum(i => Term(x[i], scale[c])), sums[c]);
            Assert.Equal(Of(c).Sum(i => { double d = x[i] - meanDouble[c]; return Term(d * d, scaleSquares[c]); }), squares[c]);
            Assert.Equal(Of(c).Max(i => Math.Abs((double)dy[i])), maxDy[c]);
            Assert.Equal(Of(c).Max(i => Math.Abs((double)dy[i] * XHat(i, c))), maxProduct[c]);
            Assert.Equal(Of(c).Sum(i => Term(dy[i], scaleDy[c])), sumDy[c]);
            Assert.Equal(Of(c).Sum(i => Term((double)dy[i] * XHat(i, c), scaleProduct[c])), sumProduct[c]);
        }
    }

    // A NaN anywhere in a channel makes its maximum NaN, so its sums come out NaN rather than as integers of nothing.
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ANaNMakesItsChannelsMaximumNaN(int inner)
    {
        const int outer = 4, channels = 17;
        var x = Spread(8, outer * channels * inner, 1);
        x[(2 * channels + 9) * inner] = float.NaN;
        var max = new double[channels];
        FixedPointSums.ChannelMaxima(x, outer, channels, inner, max);
        Assert.True(double.IsNaN(max[9]));
        Assert.False(double.IsNaN(max[8]) || double.IsNaN(max[16]));
    }
}
