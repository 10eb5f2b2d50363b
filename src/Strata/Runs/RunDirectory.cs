using System.Diagnostics;
using System.Globalization;
using Strata.Models;
using Strata.Formats;

namespace Strata.Runs;

/// <summary>
/// The folder a training run writes. While a run writes it, the folder is locked (an exclusive
/// lock on its <c>.strata-lock</c> file, which the system releases when the process ends, however it
/// ends), so a second run on it is refused at once with the other process named. A new run never
/// lands on an earlier one: that is refused unless the caller resumes it or asks to overwrite it,
/// and overwriting first removes the earlier run's files, so none is left beside the new ones.
/// </summary>
public sealed class RunDirectory : IDisposable
{
    private const string LockName = ".strata-lock", OwnerName = ".strata-lock.owner";

    /// <summary>The files whose presence makes a folder a run: what a run writes.</summary>
    public static readonly IReadOnlyList<string> RunFiles = ["model.strata", "history.csv", "learning-curves.svg", TrainingCheckpoint.FileName];

    private FileStream? _lock;

    private RunDirectory(string path, FileStream handle)
    {
        Path = path;
        _lock = handle;
    }

    /// <summary>The run folder's path.</summary>
    public string Path { get; }

    /// <summary>Whether <paramref name="path"/> holds files of a run (or anything at all, which a new run would mix with).</summary>
    public static IReadOnlyList<string> ExistingFiles(string path) =>
        Directory.Exists(path)
            ? Directory.EnumerateFileSystemEntries(path).Select(System.IO.Path.GetFileName).OfType<string>()
                .Where(n => n is not (LockName or OwnerName)).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>
    /// <paramref name="path"/> when it is free (missing or empty), otherwise the first free of
    /// <c>path-2</c>, <c>path-3</c>, ... (as PyTorch Lightning numbers its versions).
    /// </summary>
    public static string NextFree(string path)
    {
        string trimmed = System.IO.Path.TrimEndingDirectorySeparator(path);
        if (ExistingFiles(trimmed).Count == 0 && !File.Exists(trimmed)) return trimmed;
        for (int i = 2; ; i++)
        {
            string candidate = $"{trimmed}-{i.ToString(CultureInfo.InvariantCulture)}";
            if (ExistingFiles(candidate).Count == 0 && !File.Exists(candidate)) return candidate;
        }
    }

    /// <summary>
    /// Locks <paramref name="path"/> (created when missing) for a run. With <paramref name="resume"/>
    /// the run there continues; otherwise a folder that already holds files is refused with an
    /// <see cref="ExistingRunException"/> unless <paramref name="overwrite"/>, which removes them first
    /// (only in a folder that holds a run: other files are never removed). Temporary files left by
    /// writes that a killed process never finished are removed either way.
    /// </summary>
    public static RunDirectory Open(string path, bool resume = false, bool overwrite = false)
    {
        Check(path, resume, overwrite);
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StrataException($"Cannot create the run folder '{path}': {AtomicFile.Reason(e, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)))}", e);
        }
        var run = new RunDirectory(path, Lock(path));
        try
        {
            // Checked again under the lock: another run may have written here since.
            var existing = Check(path, resume, overwrite);
            if (!resume)
            {
                foreach (var name in existing)
                {
                    string entry = System.IO.Path.Combine(path, name);
                    if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                    else File.Delete(entry);
                }
            }
            RemoveAbandonedTemporaryFiles(path);
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Refuses, without taking the lock, what <see cref="Open"/> would refuse about the folder's
    /// contents: a file in its place, or files of an earlier run (unless resumed or overwritten) or of someone else.
    /// </summary>
    /// <returns>The files the folder holds (which overwriting removes).</returns>
    public static IReadOnlyList<string> Check(string path, bool resume = false, bool overwrite = false)
    {
        if (File.Exists(path)) throw new StrataException($"'{path}' is a file, not a folder for a run.");
        var existing = ExistingFiles(path);
        if (resume || existing.Count == 0) return existing;
        bool isRun = existing.Any(RunFiles.Contains);
        if (!overwrite || !isRun) throw new ExistingRunException(path, existing, isRun);
        return existing;
    }

    /// <summary>
    /// Removes the temporary files (<c>NAME.tmp-PID</c>, see <see cref="AtomicFile"/>) of writes whose
    /// process is gone: a run killed while writing leaves them, and the file beside them is whole.
    /// </summary>
    public static int RemoveAbandonedTemporaryFiles(string path)
    {
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(path, "*" + AtomicFile.TemporarySuffix + "*"))
        {
            string suffix = file[(file.LastIndexOf(AtomicFile.TemporarySuffix, StringComparison.Ordinal) + AtomicFile.TemporarySuffix.Length)..];
            if (int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId && IsRunning(pid)) continue;
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static FileStream Lock(string path)
    {
        string lockPath = System.IO.Path.Combine(path, LockName), ownerPath = System.IO.Path.Combine(path, OwnerName);
        FileStream handle;
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) that ends with the process.
            handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            string owner = File.Exists(ownerPath) ? File.ReadAllText(ownerPath).Trim() : "";
            throw new StrataException($"'{path}' is being written by another run{(owner.Length > 0 ? $" ({owner})" : "")}; wait for it to end, or choose another output folder.");
        }
        var self = Process.GetCurrentProcess();
        File.WriteAllText(ownerPath, string.Create(CultureInfo.InvariantCulture,
            $"process {Environment.ProcessId}, '{string.Join(' ', Environment.GetCommandLineArgs().Select(System.IO.Path.GetFileName))}', started {self.StartTime:yyyy-MM-dd HH:mm:ss}"));
        return handle;
    }

    /// <summary>Releases the lock; the lock files go with it.</summary>
    public void Dispose()
    {
        if (_lock is null) return;
        File.Delete(System.IO.Path.Combine(Path, OwnerName));
        File.Delete(System.IO.Path.Combine(Path, LockName));
        _lock.Dispose();
        _lock = null;
    }
}
