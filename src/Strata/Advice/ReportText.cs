using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Strata.Advice;

/// <summary>A diagnosis as a table for people and as JSON for machines (what `strata diagnose` prints).</summary>
public static class DiagnosisText
{
    /// <summary>
    /// The variance shift and moving-statistics gap per BatchNormalization layer, the effect of
    /// recalibrating, the dead and saturated units, and the saturation of recurrent gates; <paramref name="described"/> says which rows
    /// were measured ("the training rows of 'red-wine'").
    /// </summary>
    public static string ToText(DiagnosisReport report, string described)
    {
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        sb.AppendLine($"Measured on {described}.");
        if (report.BatchNormalization.Count == 0) sb.AppendLine("The model has no BatchNormalization layer.");
        else
        {
            sb.AppendLine();
            sb.AppendLine("BatchNormalization: the variance of each layer's input in training (noise on) and with the dropout");
            sb.AppendLine("family off (batch statistics in both), averaged over channels, and their ratio (variance shift; 1.00x:");
            sb.AppendLine("none; max: the largest ratio of one channel),");
            sb.AppendLine("and how far the moving statistics are from the true statistics of the input at inference.");
            sb.AppendLine(string.Create(c, $"{"layer",-28} {"channels",8} {"var train",10} {"var clean",10} {"shift",7} {"max",7} {"mean gap",9} {"moving/true var",16}"));
            foreach (var b in report.BatchNormalization)
                sb.AppendLine(string.Create(c, $"{$"#{b.Layer.Index} {b.Layer.Name}",-28} {b.Channels,8} {b.TrainingVariance,10:G4} {b.NoiseFreeVariance,10:G4} {b.VarianceShift,6:F2}x {b.MaxVarianceShift,6:F2}x {b.MeanGap,8:F3}σ {b.MovingToTrueVariance,16:F3}"));
            if (report.OutputDifference is double d)
                sb.AppendLine(string.Create(c, $"Predictions with the moving statistics differ from predictions with recalibrated ones by {d:G4} on average (mean absolute difference)."));
            if (report.MovingStatisticsScores is { } moving && report.RecalibratedScores is { } recalibrated)
                foreach (var (key, value) in moving)
                    sb.AppendLine(string.Create(c, $"  validation {key}: {value:F4} with moving statistics, {recalibrated[key]:F4} recalibrated ('strata recalibrate' applies it)"));
        }
        if (report.Activations.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Activations at inference: ReLU units that never fire on these rows (dead), the share of zero");
            sb.AppendLine($"outputs, and sigmoid/tanh outputs within 0.01 of their bounds (saturated).");
            sb.AppendLine($"{"layer",-28} {"activation",10} {"units",7} {"dead",7} {"zeros",7} {"saturated",10}");
            foreach (var a in report.Activations)
                sb.AppendLine(string.Create(c, $"{$"#{a.Layer.Index} {a.Layer.Name}",-28} {a.Activation,10} {a.Units,7} {Percent(a.DeadUnits),7} {Percent(a.ZeroOutputs),7} {Percent(a.Saturated),10}"));
        }
        if (report.Recurrent.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Recurrent gates at inference, over the steps that are not padding: the share of each gate's values that");
            sb.AppendLine(string.Create(c, $"are saturated (sigmoid below {GateSaturation.SigmoidMargin} or above {1 - GateSaturation.SigmoidMargin}, tanh beyond ±{GateSaturation.TanhLimit}) and their mean."));
            sb.AppendLine("LSTM: i, f, c (candidate), o; GRU: z, r, h (candidate); SimpleRNN has no gates, h is its output.");
            sb.AppendLine($"{"layer",-28} {"class",-10} {"units",7} {"gate",5} {"activation",12} {"saturated",10} {"mean",8}");
            foreach (var r in report.Recurrent)
                foreach (var g in r.Gates)
                    sb.AppendLine(string.Create(c, $"{$"#{r.Layer.Index} {r.Layer.Name}",-28} {r.Layer.ClassName,-10} {r.Units,7} {g.Gate,5} {g.Activation,12} {Percent(g.Saturated),10} {g.Mean,8:F3}"));
        }
        return sb.ToString();
    }

    /// <summary>The same report as JSON, snake_case keys; values that are not finite are null.</summary>
    public static JsonObject ToJson(DiagnosisReport report) => new()
    {
        ["rows"] = report.Rows,
        ["batch_normalization"] = new JsonArray(report.BatchNormalization.Select(b => (JsonNode)new JsonObject
        {
            ["index"] = b.Layer.Index,
            ["name"] = b.Layer.Name,
            ["channels"] = b.Channels,
            ["training_variance"] = Number(b.TrainingVariance),
            ["noise_free_variance"] = Number(b.NoiseFreeVariance),
            ["variance_shift"] = Number(b.VarianceShift),
            ["max_variance_shift"] = Number(b.MaxVarianceShift),
            ["mean_gap_sigma"] = Number(b.MeanGap),
            ["moving_to_true_variance"] = Number(b.MovingToTrueVariance),
        }).ToArray()),
        ["activations"] = new JsonArray(report.Activations.Select(a => (JsonNode)new JsonObject
        {
            ["index"] = a.Layer.Index,
            ["name"] = a.Layer.Name,
            ["activation"] = a.Activation,
            ["units"] = a.Units,
            ["dead_units"] = Number(a.DeadUnits),
            ["zero_outputs"] = Number(a.ZeroOutputs),
            ["saturated"] = Number(a.Saturated),
        }).ToArray()),
        ["recurrent"] = new JsonArray(report.Recurrent.Select(r => (JsonNode)new JsonObject
        {
            ["index"] = r.Layer.Index,
            ["name"] = r.Layer.Name,
            ["class_name"] = r.Layer.ClassName,
            ["units"] = r.Units,
            ["gates"] = new JsonArray(r.Gates.Select(g => (JsonNode)new JsonObject
            {
                ["gate"] = g.Gate,
                ["activation"] = g.Activation,
                ["saturated"] = Number(g.Saturated),
                ["mean"] = Number(g.Mean),
            }).ToArray()),
        }).ToArray()),
        ["output_difference"] = report.OutputDifference is double d ? Number(d) : null,
        ["moving_statistics_scores"] = Scores(report.MovingStatisticsScores),
        ["recalibrated_scores"] = Scores(report.RecalibratedScores),
    };

    private static JsonObject? Scores(IReadOnlyDictionary<string, double>? scores) =>
        scores is null ? null : new JsonObject(scores.Select(kv => KeyValuePair.Create(kv.Key, Number(kv.Value))));

    internal static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    private static string Percent(double value) => double.IsNaN(value) ? "-" : (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}

/// <summary>A comparison as a table (mean ± standard deviation over seeds) and as JSON (what `strata compare` prints).</summary>
public static class ComparisonText
{
    /// <summary>One row per spec: runs finished, best metric, best epoch, final metric with moving and recalibrated statistics, variance shift; then the runs that failed.</summary>
    public static string ToTable(IReadOnlyList<ComparisonResult> results)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (results.Count == 0) return "";
        string metric = results[0].Metric;
        sb.AppendLine();
        sb.AppendLine($"best {metric} over seeds ({(results[0].HigherIsBetter ? "higher" : "lower")} is better), mean ± standard deviation:");
        sb.AppendLine("final: after the last epoch, with the moving statistics; recalibrated: the same model with its BatchNormalization");
        sb.AppendLine("statistics recomputed on the training rows; variance shift: mean over BatchNormalization layers (1.00x: none).");
        sb.AppendLine($"{"spec",-28} {"runs",5} {"best " + metric,-18} {"best epoch",10} {"final",-18} {"final, recalibrated",-19} {"variance shift",14}");
        foreach (var r in results)
        {
            var (mean, sd) = r.BestStatistics;
            var (finalMean, finalSd) = r.FinalStatistics;
            string recalibrated = r.RecalibratedStatistics is { } s ? string.Create(c, $"{s.Mean:F4} ± {s.StandardDeviation:F4}") : "-";
            string shift = r.MeanVarianceShift is double v ? string.Create(c, $"{v:F2}x") : "-";
            string runs = $"{r.Finished.Count}/{r.Runs.Count}";
            if (r.Finished.Count == 0)
            {
                sb.AppendLine($"{r.Name,-28} {runs,5} no run finished (see below)");
                continue;
            }
            sb.AppendLine(string.Create(c, $"{r.Name,-28} {runs,5} {$"{mean:F4} ± {sd:F4}",-18} {r.MeanBestEpoch,10:F1} {$"{finalMean:F4} ± {finalSd:F4}",-18} {recalibrated,-19} {shift,14}"));
        }
        var failed = results.SelectMany(r => r.Runs.Where(x => x.Failure is not null).Select(x => $"{r.Name} seed {x.Seed}: {x.Failure}")).ToList();
        if (failed.Count > 0)
        {
            sb.AppendLine("Runs that did not finish:");
            foreach (var f in failed) sb.AppendLine("  " + f);
        }
        return sb.ToString();
    }

    /// <summary>The same results as JSON, one object per spec with its runs; values that are not finite are null.</summary>
    public static JsonArray ToJson(IReadOnlyList<ComparisonResult> results) =>
        new(results.Select(r => (JsonNode)new JsonObject
        {
            ["spec"] = r.Name,
            ["path"] = r.SpecPath,
            ["metric"] = r.Metric,
            ["higher_is_better"] = r.HigherIsBetter,
            ["mean"] = DiagnosisText.Number(r.BestStatistics.Mean),
            ["std"] = DiagnosisText.Number(r.BestStatistics.StandardDeviation),
            ["mean_best_epoch"] = DiagnosisText.Number(r.MeanBestEpoch),
            ["final_mean"] = DiagnosisText.Number(r.FinalStatistics.Mean),
            ["final_std"] = DiagnosisText.Number(r.FinalStatistics.StandardDeviation),
            ["recalibrated_mean"] = r.RecalibratedStatistics is { } s ? DiagnosisText.Number(s.Mean) : null,
            ["recalibrated_std"] = r.RecalibratedStatistics is { } t ? DiagnosisText.Number(t.StandardDeviation) : null,
            ["variance_shift"] = r.MeanVarianceShift is double v ? DiagnosisText.Number(v) : null,
            ["runs"] = new JsonArray(r.Runs.Select(x => (JsonNode)new JsonObject
            {
                ["seed"] = x.Seed,
                ["best"] = DiagnosisText.Number(x.Best),
                ["best_epoch"] = x.BestEpoch,
                ["final"] = DiagnosisText.Number(x.Final),
                ["recalibrated"] = x.Recalibrated is double rc ? DiagnosisText.Number(rc) : null,
                ["variance_shift"] = x.VarianceShift is double vs ? DiagnosisText.Number(vs) : null,
                ["failure"] = x.Failure,
            }).ToArray()),
        }).ToArray());
}
