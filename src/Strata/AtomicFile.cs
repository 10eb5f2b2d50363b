using System.Globalization;
using System.Text;

namespace Strata;

/// <summary>Writes a file through a temporary file and a rename, so readers never see half a file
/// and a failed write leaves the previous file intact.</summary>
public static class AtomicFile
{
    /// <summary>What a temporary file's name adds to the final one, before the writing process's id.</summary>
    public const string TemporarySuffix = ".tmp-";

    /// <summary>
    /// Writes <paramref name="text"/> as UTF-8 (no byte-order mark) to <paramref name="path"/>, atomically,
    /// creating its folder if needed.
    /// </summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Writes <paramref name="path"/> atomically with what <paramref name="write"/> puts in the stream, flushed
    /// to disk before the rename; throws <see cref="StrataException"/> when it cannot be written.
    /// </summary>
    public static void Write(string path, Action<Stream> write) => Commit(Begin(path, write), path);

    /// <summary>
    /// Writes the temporary file before returning, so whatever <paramref name="write"/> reads may
    /// change at once; the returned task then flushes it to disk and renames it into place on a
    /// thread of its own. Until the task ends the previous file stays; a failure ends it with a
    /// <see cref="StrataException"/>. A file written every epoch so costs the epoch the writing only,
    /// not the wait for the disk. The task must end before <paramref name="path"/> is written again.
    /// </summary>
    public static Task WriteSyncingInBackground(string path, Action<Stream> write)
    {
        var written = Begin(path, write);
        return Task.Factory.StartNew(() => Commit(written, path), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static (FileStream Stream, string Temporary, string Full) Begin(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        string temporary = full + TemporarySuffix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        FileStream? stream = null;
        try
        {
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None);
            write(stream);
            stream.Flush();
            return (stream, temporary, full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream?.Dispose();
            DeleteQuietly(temporary);
            throw new StrataException($"Cannot write '{path}': {Reason(e, directory)}", e);
        }
        catch
        {
            stream?.Dispose();
            throw;
        }
    }

    private static void Commit((FileStream Stream, string Temporary, string Full) written, string path)
    {
        try
        {
            using (written.Stream) written.Stream.Flush(flushToDisk: true);
            File.Move(written.Temporary, written.Full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeleteQuietly(written.Temporary);
            throw new StrataException($"Cannot write '{path}': {Reason(e, Path.GetDirectoryName(written.Full))}", e);
        }
    }

    /// <summary>Why a write failed, in words that name no temporary file.</summary>
    internal static string Reason(Exception e, string? directory) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException or FileNotFoundException => $"the folder '{directory}' cannot hold new files",
        _ => e.Message,
    };

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write failed already; a temporary file that cannot be removed is removed by the next run there.
        }
    }
}
