using System.Globalization;
using System.Text.Json.Nodes;
using Xunit;

namespace Strata.Tests.Cli;

/// <summary>Options shared by every command (--verbose) and `strata compare --metric`, checked against the runs' own history files.</summary>
public sealed class CommandOptionTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-options-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void VerbosePrintsTheStackTraceAndOnlyVerboseDoes()
    {
        string missing = Path.Combine(_dir.FullName, "nope.json");
        var (code, _, stderr) = CliRunner.Run("summary", missing);
        Assert.Equal(1, code);
        Assert.Equal($"error: Spec file '{missing}' does not exist.", stderr.TrimEnd());

        var (verboseCode, _, verbose) = CliRunner.Run("summary", missing, "--verbose");
        Assert.Equal(1, verboseCode);
        var lines = verbose.TrimEnd().Split('\n');
        Assert.Equal($"error: Spec file '{missing}' does not exist.", lines[0]);
        Assert.Contains("Strata.StrataException", verbose);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("at Strata.Runs.TrainingSpec.Load", StringComparison.Ordinal));
    }

    private static (string Header, double[] Values)[] Columns(string csv)
    {
        var lines = File.ReadAllLines(csv);
        var header = lines[0].Split(',');
        return header.Select((h, i) => (h, lines.Skip(1).Select(l => double.Parse(l.Split(',')[i], CultureInfo.InvariantCulture)).ToArray())).ToArray();
    }

    [Fact]
    public void CompareReportsTheBestOfTheMetricItIsGiven()
    {
        // Loss mse with the mae metric: val_loss and val_mae differ, so the report shows which one it took.
        var specs = new List<string>();
        foreach (var (name, rate) in new[] { ("wine-a", 0.001), ("wine-b", 0.01) })
        {
            var spec = CliRunner.SmallRedWineSpec();
            spec["name"] = name;
            spec["compile"] = new JsonObject
            {
                ["optimizer"] = new JsonObject { ["class_name"] = "Adam", ["config"] = new JsonObject { ["learning_rate"] = rate } },
                ["loss"] = "mse",
                ["metrics"] = new JsonArray("mae"),
            };
            string path = Path.Combine(_dir.FullName, name + ".json");
            File.WriteAllText(path, spec.ToJsonString());
            specs.Add(path);
        }
        string runs = Path.Combine(_dir.FullName, "runs");
        var (code, stdout, stderr) = CliRunner.Run(["compare", .. specs, "--seeds", "2", "--epochs", "3", "--metric", "val_mae", "--out", runs]);
        Assert.True(code == 0, stderr);
        Assert.Contains("best val_mae", stdout);

        foreach (string name in new[] { "wine-a", "wine-b" })
        {
            var bests = new List<double>();
            foreach (int seed in new[] { 0, 1 })
            {
                var history = Columns(Path.Combine(runs, name, $"seed-{seed}", "history.csv"));
                var epochs = history.Single(c => c.Header == "epoch").Values;
                var mae = history.Single(c => c.Header == "val_mae").Values;
                var loss = history.Single(c => c.Header == "val_loss").Values;
                Assert.Equal(3, mae.Length);
                int best = Array.IndexOf(mae, mae.Min());
                Assert.NotEqual(mae.Min().ToString("F4", CultureInfo.InvariantCulture), loss.Min().ToString("F4", CultureInfo.InvariantCulture));
                Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{name} seed {seed}: best val_mae {mae[best]:F4} at epoch {epochs[best]:0}"), stdout);
                bests.Add(mae[best]);
            }
            double mean = bests.Average();
            double sd = Math.Sqrt(bests.Sum(b => (b - mean) * (b - mean)) / (bests.Count - 1));
            var row = stdout.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{mean:F4} ± {sd:F4}"), row);
        }
    }
}
