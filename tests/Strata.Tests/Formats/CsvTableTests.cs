using Strata.Data;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Formats;

public class CsvTableTests
{
    [Fact]
    public void ReadsTheRedWineFileWithQuotedHeaderAndSemicolons()
    {
        var table = CsvTable.Load(Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv"));
        Assert.Equal(1599, table.Rows);
        Assert.Equal(12, table.Columns.Count);
        Assert.Equal("fixed acidity", table.Columns[0]);
        var (x, y, names) = table.Split("quality");
        Assert.Equal(new[] { 1599, 11 }, x.ShapeArray());
        Assert.Equal(7.4f, x.Data[0]);
        Assert.Equal(5f, y.Data[0]);
        Assert.DoesNotContain("quality", names);
    }

    [Theory]
    [InlineData("a,b\n1,2\n", ',')]
    [InlineData("\uFEFFa;b\r\n1;2\r\n", ';')]
    [InlineData("a\tb\n1\t2", '\t')]
    [InlineData("\"a\",\"b, with comma\"\n\"1\",2\n", ',')]
    public void DetectsDelimitersQuotesBomAndLineEndings(string text, char expected)
    {
        var table = CsvTable.Parse(text, "t.csv");
        Assert.Equal(2, table.Columns.Count);
        Assert.Equal(new[] { 1f, 2f }, table.Values);
        Assert.Equal(expected == ',' && text.Contains("comma") ? "b, with comma" : "b", table.Columns[1]);
    }

    [Theory]
    [InlineData("", "t.csv: the file is empty")]
    [InlineData("a,b\n", "t.csv: the file has a header but no data rows")]
    [InlineData("a,b\n1,2\n3\n", "t.csv:3: expected 2 fields")]
    [InlineData("a,b\n1,2\n3,x7\n", "t.csv:3: column 'b' (column 2) has the non-numeric value 'x7'")]
    [InlineData("a,b\n1,\n", "t.csv:2: column 'b' (column 2) is empty")]
    [InlineData("a,b\nNaN,1\n", "t.csv:2: column 'a' (column 1) has the non-finite value 'NaN'")]
    [InlineData("a,a\n1,2\n", "names column 'a' twice")]
    [InlineData("a,b\n\"1,2\n", "a quoted field is not closed")]
    public void BadInputNamesFileLineAndColumn(string text, string message)
    {
        var e = Assert.Throws<StrataException>(() => CsvTable.Parse(text, "t.csv"));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void MissingTargetColumnIsNamed()
    {
        var table = CsvTable.Parse("a,b\n1,2\n", "t.csv");
        Assert.Contains("there is no column 'quality'. Columns: a, b", Assert.Throws<StrataException>(() => table.Split("quality")).Message);
    }

    [Fact]
    public void SplitIsSeededAndComplete()
    {
        var table = CsvTable.Parse("a,y\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"{i},{i}\n")), "t.csv");
        var (x, y, _) = table.Split("y");
        var (tx, _, vx, vy) = DataSplit.TrainValidation(x, y, 0.3, 4);
        var (tx2, _, _, _) = DataSplit.TrainValidation(x, y, 0.3, 4);
        Assert.Equal(7, tx.Dim(0));
        Assert.Equal(3, vx.Dim(0));
        Assert.Equal(tx.Data, tx2.Data);
        Assert.Equal(vx.Data, vy.Data);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), tx.Data.Concat(vx.Data).Order());
    }
}
