namespace Strata.Runs;

/// <summary>A new run was asked to write into a folder that already holds files.</summary>
public sealed class ExistingRunException(string directory, IReadOnlyList<string> files, bool isRun) : StrataException(
    isRun
        ? $"'{directory}' already holds a run ({Listing(files)}). Continue it, overwrite it, or choose another folder."
        : $"'{directory}' is not empty ({Listing(files)}) and holds no run; choose another folder.")
{
    /// <summary>The folder the run was asked to write into.</summary>
    public string Directory { get; } = directory;

    /// <summary>The files already in it, by name.</summary>
    public IReadOnlyList<string> Files { get; } = files;

    /// <summary>Whether the files are a run's (which may be overwritten on request), not someone else's.</summary>
    public bool IsRun { get; } = isRun;

    private static string Listing(IReadOnlyList<string> files) =>
        string.Join(", ", files.Take(4)) + (files.Count > 4 ? $" and {files.Count - 4} more" : "");
}
