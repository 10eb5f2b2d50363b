using System.Text;

namespace Strata;

/// <summary>Writes a file through a temporary file and a rename, so readers never see half a file
/// and a failed write leaves the previous file intact.</summary>
public static class AtomicFile
{
    /// <summary>What a temporary file's name adds to the final one, before the writing process's id.</summary>
    public const string TemporarySuffix = ".tmp-";

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text)));

    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        string temporary = full + TemporarySuffix + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeleteQuietly(temporary);
            throw new StrataException($"Cannot write '{path}': {Reason(e, directory)}", e);
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
