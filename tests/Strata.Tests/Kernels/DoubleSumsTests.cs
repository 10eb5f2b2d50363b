using Strata.Kernels;
using Xunit;

namespace Strata.Tests.Kernels;

/// <summary>Parameter gradients summed over rows in double: every path gives the scalar path's bits, which are the row-by-row double sums.</summary>
public class DoubleSumsTests
{
    public static IEnumerable<object[]> PathsAndShapes() =>
        from isa in InstructionSets.Supported
        from shape in new[] { (Rows: 37, M: 11, N: 1024), (Rows: 5, M: 8, N: 16), (Rows: 64, M: 13, N: 21), (Rows: 1, M: 4, N: 3) }
        select new object[] { InstructionSets.Name(isa), shape.Rows, shape.M, shape.N };

    [Theory]
    [MemberData(nameof(PathsAndShapes))]
    public void TheTransposedProductIsTheDoubleSumRowByRowOnEveryPath(string path, int rows, int m, int n)
    {
        var a = TestSupport.Random(1, 3, rows * m).Data;
        var b = TestSupport.Random(2, 1e-3, rows * n).Data;
        var start = TestSupport.Random(3, 1, m * n).Data.Select(v => (double)v).ToArray();
        var c = (double[])start.Clone();
        using (InstructionSets.Use(InstructionSets.Resolve(path)))
            DoubleSums.AddTransposedProduct(a, m, b, n, c, rows, m, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int r = 0; r < rows; r++) sum += (double)a[r * m + i] * b[r * n + j];
                Assert.Equal(start[i * n + j] + sum, c[i * n + j]);
            }
    }

    [Fact]
    public void ColumnSumsAreTheDoubleSumsRowByRow()
    {
        var b = TestSupport.Random(4, 1, 9 * 5).Data;
        var c = new double[] { 1, 2, 3, 4, 5 };
        DoubleSums.AddColumnSums(b, 5, c, 9, 5);
        for (int j = 0; j < 5; j++)
        {
            double sum = 0;
            for (int r = 0; r < 9; r++) sum += b[r * 5 + j];
            Assert.Equal(j + 1 + sum, c[j]);
        }
    }

    // Rows split in two and summed in turn differ from the whole sum only by double rounding.
    [Fact]
    public void RowsSplitInTwoGiveTheWholeSumToDoublePrecision()
    {
        int rows = 256, m = 7, n = 16;
        var a = TestSupport.Random(5, 1, rows * m).Data;
        var b = TestSupport.Random(6, 1, rows * n).Data;
        var whole = new double[m * n];
        DoubleSums.AddTransposedProduct(a, m, b, n, whole, rows, m, n);
        var (first, second) = (new double[m * n], new double[m * n]);
        DoubleSums.AddTransposedProduct(a, m, b, n, first, 100, m, n);
        DoubleSums.AddTransposedProduct(a.AsSpan(100 * m), m, b.AsSpan(100 * n), n, second, rows - 100, m, n);
        for (int i = 0; i < whole.Length; i++)
        {
            double scale = Enumerable.Range(0, rows).Sum(r => Math.Abs((double)a[r * m + i / n] * b[r * n + i % n]));
            Assert.Equal(whole[i], first[i] + second[i], 1e-15 * scale);
            Assert.Equal((float)whole[i], (float)(first[i] + second[i]));
        }
    }
}
