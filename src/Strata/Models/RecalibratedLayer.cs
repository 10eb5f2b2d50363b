namespace Strata.Models;

/// <summary>
/// What recalibration changed in one BatchNormalization layer: the moving statistics before and
/// after, and how many values per channel the new ones were computed from.
/// </summary>
public sealed record RecalibratedLayer(string Name, float[] MeanBefore, float[] VarianceBefore, float[] MeanAfter, float[] VarianceAfter, long Count)
{
    /// <summary>The average |Δ moving mean| over channels.</summary>
    public double MeanShift => MeanBefore.Zip(MeanAfter, (a, b) => Math.Abs((double)a - b)).Average();

    /// <summary>The average new moving variance over the average old one (dead units make per-channel ratios useless).</summary>
    public double VarianceRatio => VarianceAfter.Average(v => (double)v) / Math.Max(VarianceBefore.Average(v => (double)v), 1e-30);
}
