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
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        string temporary = full + TemporarySuffix + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new StrataException($"Cannot write '{path}': {e.Message}", e);
        }
    }
}
