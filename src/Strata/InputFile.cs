namespace Strata;

/// <summary>The check before a file is read: it must exist, and be a file rather than a folder.</summary>
public static class InputFile
{
    /// <param name="path">The file to read.</param>
    /// <param name="what">What it is, capitalized, for the error ("Model file").</param>
    public static void Require(string path, string what)
    {
        if (Directory.Exists(path)) throw new StrataException($"{what} '{path}' is a directory, not a file.");
        if (!File.Exists(path)) throw new StrataException($"{what} '{path}' does not exist.");
    }
}
