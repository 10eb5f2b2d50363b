namespace Strata.Cli;

/// <summary>How the user started this process, so a printed command can be typed the same way.</summary>
internal static class Invocation
{
    /// <summary>
    /// The words before the command's own arguments, as the user typed them: "dotnet run --project
    /// src/Strata.Cli -c Release --" when started by dotnet run, "dotnet path/Strata.Cli.dll" or the
    /// executable's path when started directly; "strata" where the system does not say (no /proc).
    /// </summary>
    public static string[] Launcher(IReadOnlyList<string> arguments)
    {
        try
        {
            var self = CommandLineOf("self");
            if (self.Length <= arguments.Count || !self[^arguments.Count..].SequenceEqual(arguments)) return ["strata"];
            // dotnet run starts the built program as its child, with the arguments after "--".
            var parent = CommandLineOf(ParentId().ToString(System.Globalization.CultureInfo.InvariantCulture));
            int dashes = Array.IndexOf(parent, "--");
            if (parent.Length > 0 && Path.GetFileName(parent[0]) == "dotnet" && parent.Contains("run") && dashes > 0
                && parent[(dashes + 1)..].SequenceEqual(arguments))
                return parent[..(dashes + 1)];
            return self[..^arguments.Count];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return ["strata"];
        }
    }

    /// <summary>The words that start this program again directly: its executable, or dotnet and its assembly.</summary>
    public static string[] Self()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        string assembly = typeof(Invocation).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && assembly.Length > 0 ? [process, assembly] : [process];
    }

    private static string[] CommandLineOf(string process) =>
        File.ReadAllText($"/proc/{process}/cmdline").Split('\0', StringSplitOptions.None)[..^1];

    private static int ParentId()
    {
        // /proc/self/stat: "pid (name) state ppid ..."; the name may hold spaces and parentheses.
        string stat = File.ReadAllText("/proc/self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
