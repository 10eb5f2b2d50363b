using Strata.Kernels;
using Xunit;
using static Strata.Tests.TestSupport;

namespace Strata.Tests.Kernels;

/// <summary>Column sums on every instruction-set path: each column summed in row order from zero, bit for bit.</summary>
public class RowKernelsTests
{
    public static IEnumerable<object[]> Cases() =>
        from isa in InstructionSets.Supported
        from columns in new[] { 1, 5, 16, 31, 32, 33, 47, 64, 100, 128, 129, 300 }
        select new object[] { InstructionSets.Name(isa), columns };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ColumnSumsAddEachColumnInRowOrder(string path, int columns)
    {
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        const int rows = 37;
        var x = Random(3, 10, rows, columns).Data;
        var start = Random(4, 1, columns).Data;
        var expected = new float[columns];
        var accumulated = new float[columns];
        for (int c = 0; c < columns; c++)
        {
            float sum = 0f;
            for (int r = 0; r < rows; r++) sum += x[r * columns + c];
            expected[c] = sum;
            accumulated[c] = start[c] + sum;
        }
        var sums = new float[columns];
        RowKernels.ColumnSums(x, rows, columns, sums, accumulate: false);
        Assert.Equal(expected, sums);
        var onto = (float[])start.Clone();
        RowKernels.ColumnSums(x, rows, columns, onto, accumulate: true);
        Assert.Equal(accumulated, onto);
    }
}
