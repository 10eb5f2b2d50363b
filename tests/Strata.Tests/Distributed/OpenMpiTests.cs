using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit;

namespace Strata.Tests.Distributed;

/// <summary>
/// Real ranks: the probe program run by Open MPI's mpirun (Debian's openmpi-bin, which .ci/run installs),
/// oversubscribed on this machine's cores.
/// </summary>
public class OpenMpiTests
{
    private static string Probe => Path.Combine(AppContext.BaseDirectory, "Strata.MpiProbe.dll");

    private static JsonObject[] Run(int ranks)
    {
        var mpirun = Strata.Distributed.MpiRun.Find()
            ?? throw new Xunit.Sdk.XunitException("mpirun is not installed: apt-get install openmpi-bin (.ci/run does this).");
        var info = new ProcessStartInfo(mpirun) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--oversubscribe", "-np", ranks.ToString(), "-x", "TERM=dumb", "dotnet", Probe }) info.ArgumentList.Add(a);
        // mpirun refuses root unless told; tests and CI may run as root.
        info.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        info.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"mpirun exited with {process.ExitCode}: {stderr.Result}");
        return [.. stdout.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!.AsObject()).OrderBy(o => (int)o["rank"]!)];
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void RanksExchangeThroughOpenMpi(int ranks)
    {
        var results = Run(ranks);
        Assert.Equal(Enumerable.Range(0, ranks), results.Select(r => (int)r["rank"]!));
        // Rank r holds r + 1 rows 10r, 10r + 1, ... of one channel, the last rank none.
        var rows = Enumerable.Range(0, ranks - 1).SelectMany(r => Enumerable.Range(0, r + 1).Select(j => 10.0 * r + j)).ToArray();
        double mean = rows.Average(), squares = rows.Sum(v => (v - mean) * (v - mean));
        foreach (var r in results)
        {
            Assert.Equal(ranks, (int)r["size"]!);
            Assert.Equal(Enumerable.Range(0, ranks).SelectMany(k => new[] { k, 10.0 * k + 0.5 }), r["gathered"]!.AsArray().Select(v => (double)v!));
            Assert.Equal(ranks * (ranks + 1) / 2.0, (double)r["sum"]![0]!);
            int rank = (int)r["rank"]!;
            Assert.Equal(Enumerable.Range(0, ranks).Select(k => 100.0 * k + rank), r["received"]!.AsArray().Select(v => (double)v!));
            Assert.Equal(0, (int)r["large_wrong"]!);
            Assert.Equal(0, (int)r["integers_wrong"]!);
            var maxima = r["maxima"]!.AsArray();
            Assert.Equal(ranks - 1.0, (double)maxima[0]!);
            Assert.Equal(0.0, (double)maxima[1]!);
            Assert.Equal("NaN", maxima[2]!.ToString());
            Assert.Equal(rows.Length, (long)r["count"]!);
            Assert.Equal(mean, (double)r["mean"]!, 1e-12);
            Assert.Equal(squares, (double)r["squared_deviations"]!, 1e-9);
        }
    }
}
