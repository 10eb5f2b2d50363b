using Strata.Data;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Formats;

public class IdxFileTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "idx", name);

    [Theory]
    [InlineData("images-3x2x2.idx")]
    [InlineData("images-3x2x2.idx.gz")]
    public void ReadsRawAndGzippedImagesScaledToOne(string file)
    {
        var images = IdxFile.ReadImages(Fixture(file));
        Assert.Equal(new[] { 3, 2, 2, 1 }, images.ShapeArray());
        Assert.Equal(new[] { 0f, 1f, 0.2f, 0.4f }, images.Data.Take(4).Select(v => MathF.Round(v, 6)));
        Assert.Equal(new[] { 2, 2, 1 }, IdxFile.ReadImages(Fixture(file), limit: 2).ShapeArray()[1..]);
        Assert.Equal(2, IdxFile.ReadImages(Fixture(file), limit: 2).Dim(0));
    }

    [Fact]
    public void ReadsLabels()
    {
        var labels = IdxFile.ReadLabels(Fixture("labels-3.idx"));
        Assert.Equal(new[] { 3, 1 }, labels.ShapeArray());
        Assert.Equal(new[] { 2f, 0f, 9f }, labels.Data);
    }

    [Theory]
    [InlineData("truncated.idx", "truncated")]
    [InlineData("truncated.idx.gz", "truncated")]
    [InlineData("wrong-magic.idx", "not an IDX file")]
    [InlineData("float-type.idx", "only unsigned bytes")]
    [InlineData("trailing.idx", "continues past")]
    [InlineData("huge-header.idx", "truncated or corrupt")]
    [InlineData("missing.idx", "does not exist")]
    public void MalformedFilesGiveErrorsThatNameTheFile(string file, string message)
    {
        var e = Assert.Throws<StrataException>(() => IdxFile.Read(Fixture(file)));
        Assert.Contains(message, e.Message);
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void ImagesAndLabelsAreCheckedForTheirRank()
    {
        Assert.Contains("expected labels [count]", Assert.Throws<StrataException>(() => IdxFile.ReadLabels(Fixture("images-3x2x2.idx"))).Message);
        Assert.Contains("expected images", Assert.Throws<StrataException>(() => IdxFile.ReadImages(Fixture("labels-3.idx"))).Message);
    }

    [Fact]
    public void FashionMnistReadsTheSampleAndExplainsAMissingDirectory()
    {
        var set = Datasets.FashionMnist(Path.Combine(TestSupport.RepositoryRoot, "data", "fashion-mnist-sample"), limit: 500);
        Assert.Equal(new[] { 500, 28, 28, 1 }, set.TrainImages.ShapeArray());
        Assert.Equal(new[] { 200, 1 }, set.TestLabels.ShapeArray());
        Assert.All(set.TrainLabels.Data, l => Assert.InRange(l, 0, 9));
        // The first training image of Fashion-MNIST is an ankle boot.
        Assert.Equal(9f, set.TrainLabels.Data[0]);
        var e = Assert.Throws<StrataException>(() => Datasets.FashionMnist("/nonexistent/fashion"));
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }
}
