using Strata.Runs;
using Strata.Models;

namespace Strata.Advice;

/// <summary>
/// One seed's run of a spec: the best value of the compared metric and its epoch, the metric after
/// the last epoch with the moving statistics (<see cref="Final"/>) and with BatchNormalization
/// statistics recalibrated on the training rows, and the variance shift.
/// </summary>
public sealed record ComparisonRun(int Seed, double Best, int BestEpoch, double Final, double? Recalibrated, double? VarianceShift, string? Failure);

/// <summary>A spec trained with several seeds, summarized over the runs that finished.</summary>
public sealed record ComparisonResult(string Name, string SpecPath, string Metric, bool HigherIsBetter, IReadOnlyList<ComparisonRun> Runs)
{
    /// <summary>The runs that ended without a failure; the statistics below are over these only.</summary>
    public IReadOnlyList<ComparisonRun> Finished => Runs.Where(r => r.Failure is null).ToList();

    /// <summary>Mean and standard deviation over the finished runs of the best value of the compared metric.</summary>
    public (double Mean, double StandardDeviation) BestStatistics => Statistics(Finished.Select(r => r.Best));

    /// <summary>
    /// Mean and standard deviation of the metric with BatchNormalization statistics recalibrated, or null unless
    /// every finished run has one.
    /// </summary>
    public (double Mean, double StandardDeviation)? RecalibratedStatistics =>
        Finished.All(r => r.Recalibrated is not null) && Finished.Count > 0 ? Statistics(Finished.Select(r => r.Recalibrated!.Value)) : null;

    /// <summary>Mean and standard deviation of the metric after the last epoch, with the moving statistics.</summary>
    public (double Mean, double StandardDeviation) FinalStatistics => Statistics(Finished.Select(r => r.Final));

    /// <summary>The mean epoch (1-based) at which the best value was reached; NaN when no run finished.</summary>
    public double MeanBestEpoch => Finished.Count == 0 ? double.NaN : Finished.Average(r => r.BestEpoch);

    /// <summary>The mean variance shift over the finished runs, or null unless every one of them measured it.</summary>
    public double? MeanVarianceShift => Finished.Count > 0 && Finished.All(r => r.VarianceShift is not null) ? Finished.Average(r => r.VarianceShift!.Value) : null;

    /// <summary>Mean and sample standard deviation (n - 1), NaN where undefined.</summary>
    public static (double Mean, double StandardDeviation) Statistics(IEnumerable<double> values)
    {
        var list = values.ToList();
        if (list.Count == 0) return (double.NaN, double.NaN);
        double mean = list.Average();
        double sd = list.Count < 2 ? double.NaN : Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1));
        return (mean, sd);
    }
}

/// <summary>
/// The layer-order advisor's experiments: trains each spec with the same seeds and reports the best
/// validation metric, its epoch, the final metric with the moving statistics and with recalibrated
/// ones (what stale or shifted statistics cost) and the measured variance shift, so orderings can be
/// compared on the user's own data.
/// </summary>
public static partial class Comparison
{
    /// <summary>Rows used to measure the variance shift of each trained model.</summary>
    public const int DiagnosisRows = 2048;

    /// <param name="spec">The spec to train; its seed is replaced by each of <paramref name="seeds"/>.</param>
    /// <param name="seeds">The seeds: each gives its own weights, dropout masks and shuffling.</param>
    /// <param name="metric">A history key such as "val_loss" or "val_accuracy"; null picks val_loss (or loss without validation data).</param>
    /// <param name="outputDirectory">Each run's files go to a seed-N folder under it.</param>
    /// <param name="log">Receives one line per finished run.</param>
    public static ComparisonResult Run(TrainingSpec spec, IReadOnlyList<int> seeds, string? metric, string outputDirectory, TextWriter? log = null)
    {
        var data = SpecData.Load(spec);
        metric ??= data.Validation is null ? "loss" : "val_loss";
        bool higher = metric.Contains("acc", StringComparison.Ordinal);
        var diagnosisRows = data.TrainX.SliceRows(0, Math.Min(DiagnosisRows, data.TrainX.Dim(0)));
        var runs = new List<ComparisonRun>();
        int originalSeed = spec.Seed;
        try
        {
            foreach (int seed in seeds)
            {
                spec.Seed = seed;
                ComparisonRun run;
                try
                {
                    var result = TrainingRun.Execute(spec, Path.Combine(outputDirectory, $"seed-{seed}"), data: data);
                    if (!result.History.Contains(metric))
                        throw new StrataException($"{spec.SpecPath}: the history has no '{metric}'. Recorded: {string.Join(", ", result.History.Keys)}.");
                    var values = result.History[metric];
                    int best = 0;
                    for (int i = 1; i < values.Count; i++)
                        if (higher ? values[i] > values[best] : values[i] < values[best]) best = i;
                    var report = Diagnosis.Run(result.Model, diagnosisRows, data.Validation);
                    double? recalibrated = report.RecalibratedScores is { } scores && scores.TryGetValue(metric.StartsWith("val_", StringComparison.Ordinal) ? metric[4..] : metric, out double v) ? v : null;
                    run = new ComparisonRun(seed, values[best], result.History.Epochs[best], values[^1], recalibrated, Diagnosis.MeanVarianceShift(report), null);
                    log?.WriteLine(FormattableString.Invariant($"  {spec.Name} seed {seed}: best {metric} {values[best]:F4} at epoch {result.History.Epochs[best]}"));
                }
                catch (StrataException e) when (e.Message.StartsWith("Training diverged", StringComparison.Ordinal))
                {
                    run = new ComparisonRun(seed, double.NaN, 0, double.NaN, null, null, e.Message);
                    log?.WriteLine($"  {spec.Name} seed {seed}: diverged");
                }
                runs.Add(run);
            }
        }
        finally
        {
            spec.Seed = originalSeed;
        }
        return new ComparisonResult(spec.Name, spec.SpecPath, metric, higher, runs);
    }
}
