using System.IO.Compression;
using System.Text.Json.Nodes;
using Strata.Formats;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Formats;

/// <summary>
/// NumPy files written by NumPy itself (Fixtures/npy/generate_npy_fixtures.py): every dtype, byte order,
/// version and memory order reads as the float32 values in expected.json, in C order.
/// </summary>
public sealed class NumpyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-npy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "npy", name);

    private static readonly JsonObject Expected = (JsonObject)JsonNode.Parse(File.ReadAllText(Fixture("expected.json")))!;

    public static TheoryData<string> ArrayFiles() => [.. Expected.Select(e => e.Key).Where(k => k.EndsWith(".npy", StringComparison.Ordinal))];

    private static void AssertArray(JsonNode expected, Tensor actual)
    {
        Assert.Equal(TestSupport.Ints(expected["shape"]), actual.ShapeArray());
        // Bit for bit: each value is a float32 NumPy computed, and -0.0 must stay negative.
        Assert.Equal(TestSupport.Floats(expected["values"]).Select(BitConverter.SingleToInt32Bits), actual.Data.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [MemberData(nameof(ArrayFiles))]
    public void ReadsEveryTypeByteOrderVersionAndMemoryOrder(string file)
    {
        AssertArray(Expected[file]!, NumpyFile.Read(Fixture(file)));
        var arrays = NumpyFile.ReadArrays(Fixture(file));
        Assert.Equal(Path.GetFileNameWithoutExtension(file), Assert.Single(arrays).Key);
    }

    [Theory]
    [InlineData("stored.npz")]
    [InlineData("deflated.npz")]
    public void ReadsStoredAndDeflatedArchivesInTheirOrder(string file)
    {
        var arrays = NumpyFile.ReadArrays(Fixture(file));
        var expected = Expected[file]!.AsObject();
        Assert.Equal(expected.Select(e => e.Key), arrays.Select(a => a.Key));
        foreach (var (key, tensor) in arrays) AssertArray(expected[key]!, tensor);
    }

    [Fact]
    public void WritesTheBytesNumPyWritesForAFloat32Array()
    {
        var array = new Tensor([2, 3], [0.5f, -1.25f, 3f, 1e-3f, 65504f, -0f]);
        string path = Path.Combine(_dir, "written.npy");
        NumpyFile.Write(path, array);
        Assert.Equal(File.ReadAllBytes(Fixture("float-f4-le.npy")), File.ReadAllBytes(path));
        NumpyFile.Write(path, new Tensor([3], [1.5f, 2.5f, 3.5f]));
        Assert.Equal(File.ReadAllBytes(Fixture("fortran-1d.npy")).Length, File.ReadAllBytes(path).Length);
        AssertArray(Expected["fortran-1d.npy"]!, NumpyFile.Read(path));
        NumpyFile.Write(path, new Tensor([], [2.75f]));
        Assert.Equal(File.ReadAllBytes(Fixture("scalar.npy")), File.ReadAllBytes(path));
    }

    [Fact]
    public void WritesAnArchiveOfStoredEntriesThatReadsBack()
    {
        string path = Path.Combine(_dir, "written.npz");
        var x = new Tensor([2, 2, 1], [1f, 2f, 3f, 4f]);
        var y = new Tensor([2], [0f, 1f]);
        NumpyFile.WriteArchive(path, [new("x", x), new("y", y)]);
        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(["x.npy", "y.npy"], zip.Entries.Select(e => e.FullName));
            // Stored as np.savez stores them: the compressed size is the size.
            Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength));
        }
        var read = NumpyFile.ReadArrays(path);
        Assert.Equal(x.Data, read[0].Value.Data);
        Assert.Equal(new[] { 2, 2, 1 }, read[0].Value.ShapeArray());
        Assert.Equal(y.Data, read[1].Value.Data);
        Assert.Throws<ArgumentException>(() => NumpyFile.WriteArchive(path, [new("x", x), new("x", y)]));
        Assert.Throws<ArgumentException>(() => NumpyFile.WriteArchive(path, [new("../x", x)]));
        Assert.Throws<ArgumentException>(() => NumpyFile.WriteArchive(path, []));
    }

    [Fact]
    public void TellsNumPyFilesFromOthersByTheirFirstBytes()
    {
        Assert.True(NumpyFile.IsNumpy(Fixture("float-f4-le.npy")));
        Assert.True(NumpyFile.IsNumpy(Fixture("stored.npz")));
        string renamed = Path.Combine(_dir, "arrays.csv");
        File.Copy(Fixture("stored.npz"), renamed);
        Assert.True(NumpyFile.IsNumpy(renamed));
        Assert.Equal("x", NumpyFile.ReadArrays(renamed)[0].Key);
        Assert.False(NumpyFile.IsNumpy(Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv")));
        Assert.False(NumpyFile.IsNumpy(Path.Combine(_dir, "missing.npy")));
    }

    [Theory]
    [InlineData("truncated.npy", "truncated")]
    [InlineData("bad-magic.npy", "not a .npy file")]
    [InlineData("not-a-dict.npy", "the header is not a dict")]
    [InlineData("shape-overflow.npy", "declares more than 2147483647 values")]
    [InlineData("huge-declared.npy", "needs 12800000000 bytes of data, but the file has 64")]
    [InlineData("complex.npy", "data type '<c8' is not supported")]
    [InlineData("structured.npy", "structured (record) type")]
    [InlineData("trailing.npy", "continues past the 6 values")]
    [InlineData("version-9.npy", "version 9.0 is not supported")]
    [InlineData("traversal.npz", "'../../escaped.npy' has a name that leads outside the archive")]
    [InlineData("truncated.npz", "not a valid .npz archive")]
    [InlineData("missing.npy", "does not exist")]
    public void DamagedFilesGiveOneLineErrorsThatNameTheFile(string file, string message)
    {
        var e = Assert.Throws<StrataException>(() => NumpyFile.ReadArrays(Fixture(file)));
        Assert.Contains(message, e.Message);
        Assert.Contains(file, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AHeaderFarLargerThanNumPyWritesIsRefusedBeforeItIsRead()
    {
        // A version 2.0 header length of 2,000,000 bytes in a file of 12: refused by its declared size alone.
        string path = Path.Combine(_dir, "huge-header.npy");
        File.WriteAllBytes(path, [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0x80, 0x84, 0x1E, 0x00]);
        var e = Assert.Throws<StrataException>(() => NumpyFile.ReadArrays(path));
        Assert.Contains("huge-header.npy: the .npy header declares 2000000 bytes", e.Message);
    }
}
