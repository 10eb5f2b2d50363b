using Xunit;

namespace Strata.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-atomic-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task AWriteSyncedInBackgroundReplacesTheFileWhenItsTaskEnds()
    {
        string path = Path.Combine(_dir.FullName, "state.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        var source = new byte[] { 4, 5, 6, 7 };
        var task = AtomicFile.WriteSyncingInBackground(path, stream => stream.Write(source));
        // The bytes are taken before the call returns: changing the source afterwards changes nothing.
        source[0] = 99;
        await task;
        Assert.Equal(new byte[] { 4, 5, 6, 7 }, File.ReadAllBytes(path));
        Assert.Equal([path], _dir.EnumerateFiles().Select(f => f.FullName));
    }

    [Fact]
    public async Task AWriteSyncedInBackgroundThatCannotBePutInPlaceFailsItsTaskAndLeavesNoTemporaryFile()
    {
        // A directory where the file should go: the rename into place fails.
        string path = Path.Combine(_dir.FullName, "taken");
        Directory.CreateDirectory(path);
        var task = AtomicFile.WriteSyncingInBackground(path, stream => stream.Write(new byte[] { 1 }));
        var e = await Assert.ThrowsAsync<StrataException>(() => task);
        Assert.Contains(path, e.Message);
        Assert.Empty(_dir.EnumerateFiles());
    }

    [Fact]
    public void AFailedWriteLeavesThePreviousFile()
    {
        string path = Path.Combine(_dir.FullName, "model.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[] { 9, 9 });
            throw new InvalidOperationException("the writer failed");
        }));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
    }
}
