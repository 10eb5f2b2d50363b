namespace Strata.Training.Callbacks;

/// <summary>Whether a monitored quantity improves by going down or up; "auto" picks max for accuracies.</summary>
internal static class MonitorMode
{
    public static bool Maximize(string mode, string monitor) => mode switch
    {
        "min" => false,
        "max" => true,
        "auto" => monitor.EndsWith("acc", StringComparison.Ordinal) || monitor.Contains("accuracy", StringComparison.Ordinal) || monitor.EndsWith("auc", StringComparison.Ordinal),
        _ => throw new StrataException($"Expected mode to be one of auto, min, max. Received: mode={mode}"),
    };

    /// <summary>Reads the monitored value, or an error listing what the logs hold.</summary>
    public static double Read(IReadOnlyDictionary<string, double> logs, string monitor, string callback) =>
        logs.TryGetValue(monitor, out double value) ? value
            : throw new StrataException($"{callback} monitors '{monitor}', which is not available. Available: {string.Join(", ", logs.Keys)}.");
}
