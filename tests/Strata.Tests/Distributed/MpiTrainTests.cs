using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Xunit;

namespace Strata.Tests.Distributed;

/// <summary>
/// strata train under Open MPI's mpirun: the ranks share each batch of the Red Wine example (32 units,
/// synchronized BatchNormalization) and rank 0 writes the run a single process would.
/// </summary>
public sealed class MpiTrainTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-mpi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static string CliPath => Path.Combine(TestSupport.RepositoryRoot, "src", "Strata.Cli", "bin",
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release", "net10.0", "Strata.Cli.dll");

    private string Spec() => WriteSpec(_dir);

    /// <summary>The small Red Wine example with synchronized BatchNormalization, written to <paramref name="directory"/>/spec.json.</summary>
    internal static string WriteSpec(string directory)
    {
        var spec = Strata.Tests.Cli.CliRunner.SmallRedWineSpec(2);
        foreach (var layer in spec["model"]!["config"]!["layers"]!.AsArray())
            if (layer!["class_name"]!.GetValue<string>() == "BatchNormalization") layer["config"]!["synchronized"] = true;
        // Mean squared error: with the example's mean absolute error every prediction starts below its target, the
        // gradient reaching the last BatchNormalization is the same for every row, and what passes below it is zero
        // but for rounding, which Adam scales up to whole steps, so any other summation order trains other weights.
        spec["compile"]!["loss"] = "mean_squared_error";
        string path = Path.Combine(directory, "spec.json");
        File.WriteAllText(path, spec.ToJsonString());
        return path;
    }

    private static (int Code, string Output) Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        info.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    private static double[][] History(string directory) =>
        [.. File.ReadAllLines(Path.Combine(directory, "history.csv")).Skip(1)
            .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];

    /// <summary>
    /// The runs' histories have the same epochs and their losses differ by less than 1e-5 relative: the ranks' summation
    /// order moves them by about 1e-7 in a few epochs of 5 steps.
    /// </summary>
    internal static void AssertHistoriesClose(string single, string shared)
    {
        var (a, b) = (History(single), History(shared));
        Assert.Equal(a.Length, b.Length);
        for (int e = 0; e < a.Length; e++)
            for (int k = 1; k < a[e].Length; k++)
                Assert.True(Math.Abs(a[e][k] - b[e][k]) <= 1e-5 * Math.Abs(a[e][k]), $"epoch {e + 1} column {k}: {a[e][k]} against {b[e][k]}");
    }

    [Fact]
    public void TwoRanksTrainTheRunOneProcessTrainsAndOnlyRankZeroWritesIt()
    {
        string spec = Spec(), single = Path.Combine(_dir, "single"), shared = Path.Combine(_dir, "shared");
        var one = Run("dotnet", CliPath, "train", spec, "--out", single, "--no-lint");
        Assert.True(one.Code == 0, one.Output);
        var mpirun = Strata.Distributed.MpiRun.Find()
            ?? throw new Xunit.Sdk.XunitException("mpirun is not installed: apt-get install openmpi-bin (.ci/run does this).");
        var two = Run(mpirun, "--oversubscribe", "-np", "2", "-x", "TERM=dumb", "dotnet", CliPath, "train", spec, "--out", shared, "--no-lint");
        Assert.True(two.Code == 0, two.Output);
        Assert.Contains("shared among 2 ranks", two.Output);
        // Rank 0 alone prints the run's summary.
        Assert.Single(two.Output.Split('\n'), l => l.StartsWith("Done in", StringComparison.Ordinal));
        AssertHistoriesClose(single, shared);
        Assert.True(File.Exists(Path.Combine(shared, "model.strata")));
    }
}
