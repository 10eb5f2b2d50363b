using Strata.Runs;

namespace Strata.Advice;

public static partial class Comparison
{
    /// <summary>
    /// Trains each spec with seeds 0..<paramref name="seeds"/>-1 (see <see cref="Run"/>) and returns
    /// one result per spec, named by the spec's name (by its file name when two specs share a name).
    /// </summary>
    /// <param name="specs">The specs to compare; their epochs and limits are used as set.</param>
    /// <param name="seeds">How many seeds each spec is trained with.</param>
    /// <param name="metric">The history key compared; null: val_loss (loss without validation data).</param>
    /// <param name="outputDirectory">Runs go to NAME/seed-N under it; null: a temporary folder removed afterwards.</param>
    /// <param name="log">Receives a line per spec and per finished run.</param>
    public static IReadOnlyList<ComparisonResult> RunAll(IReadOnlyList<TrainingSpec> specs, int seeds, string? metric = null, string? outputDirectory = null, TextWriter? log = null)
    {
        if (seeds < 1) throw new StrataException($"A comparison needs a positive number of seeds. Received: {seeds}");
        var names = specs.Select(s => s.Name).ToList();
        if (names.Distinct().Count() != names.Count)
            for (int i = 0; i < specs.Count; i++) names[i] = Path.GetFileNameWithoutExtension(specs[i].SpecPath);
        string root = outputDirectory ?? Directory.CreateTempSubdirectory("strata-compare-").FullName;
        var results = new List<ComparisonResult>();
        try
        {
            for (int i = 0; i < specs.Count; i++)
            {
                log?.WriteLine($"Training '{names[i]}' with seeds 0..{seeds - 1} ({specs[i].Epochs} epochs each)");
                results.Add(Run(specs[i], Enumerable.Range(0, seeds).ToList(), metric, Path.Combine(root, names[i]), log) with { Name = names[i] });
            }
        }
        finally
        {
            if (outputDirectory is null && Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
        return results;
    }
}
