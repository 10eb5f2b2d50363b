namespace Strata;

/// <summary>
/// The check every command makes before it writes a file: never onto one of its own inputs, never
/// onto a folder, and never over an existing file unless the caller asked for that.
/// </summary>
public static class OutputFile
{
    /// <param name="destination">The file about to be written.</param>
    /// <param name="overwrite">Whether an existing file (that is not an input) may be replaced.</param>
    /// <param name="howToOverwrite">How the caller asks for it, for the error ("give --overwrite").</param>
    /// <param name="inputs">The files the command reads; the destination may be none of them.</param>
    public static void Check(string destination, bool overwrite, string howToOverwrite, params string?[] inputs)
    {
        string target = Resolve(destination);
        foreach (var input in inputs)
            if (input is not null && Resolve(input) == target)
                throw new StrataException($"'{destination}' is also the input '{input}'; writing there would replace it. Choose another output file.");
        if (Directory.Exists(target)) throw new StrataException($"'{destination}' is a directory, not a file.");
        if (File.Exists(target) && !overwrite)
            throw new StrataException($"'{destination}' already exists; choose another output file, or {howToOverwrite} to replace it.");
    }

    /// <summary>The full path with symbolic links followed, so two names of one file compare equal.</summary>
    private static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }
}
