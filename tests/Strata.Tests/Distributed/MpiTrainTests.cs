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

    private static string CliPath => Path.Combine(TestSupport.RepositoryRoot, "src", "Strata.Cli", "bin",
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release", "net10.0", "Strata.Cli.dll");

    private string Spec()
    {
        var spec = Strata.Tests.Cli.CliRunner.SmallRedWineSpec(2);
        foreach (var layer in spec["model"]!["config"]!["layers"]!.AsArray())
            if (layer!["class_name"]!.GetValue<string>() == "BatchNormalization") layer["config"]!["synchronized"] = true;
        string path = Path.Combine(_dir, "spec.json");
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

    [Fact]
    public void TwoRanksTrainTheRunOneProcessTrainsAndOnlyRankZeroWritesIt()
    {
        string spec = Spec(), single = Path.Combine(_dir, "single"), shared = Path.Combine(_dir, "shared");
        var one = Run("dotnet", CliPath, "train", spec, "--out", single, "--no-lint");
        Assert.True(one.Code == 0, one.Output);
        var mpirun = new[] { "/usr/bin/mpirun", "/usr/local/bin/mpirun" }.FirstOrDefault(File.Exists)
            ?? throw new Xunit.Sdk.XunitException("mpirun is not installed: apt-get install openmpi-bin (.ci/run does this).");
        var two = Run(mpirun, "--oversubscribe", "-np", "2", "-x", "TERM=dumb", "dotnet", CliPath, "train", spec, "--out", shared, "--no-lint");
        Assert.True(two.Code == 0, two.Output);
        Assert.Contains("shared among 2 ranks", two.Output);
        // Rank 0 alone prints the run's summary.
        Assert.Single(two.Output.Split('\n'), l => l.StartsWith("Done in", StringComparison.Ordinal));
        var (a, b) = (History(single), History(shared));
        Assert.Equal(a.Length, b.Length);
        // Two epochs of 5 steps: the ranks' summation order moves the losses by far less than a thousandth.
        for (int e = 0; e < a.Length; e++)
            for (int k = 1; k < a[e].Length; k++)
                Assert.True(Math.Abs(a[e][k] - b[e][k]) <= 1e-3 * Math.Abs(a[e][k]), $"epoch {e + 1} column {k}: {a[e][k]} against {b[e][k]}");
        Assert.True(File.Exists(Path.Combine(shared, "model.strata")));
    }
}
