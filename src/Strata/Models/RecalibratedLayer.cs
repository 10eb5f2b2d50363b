namespace Strata.Models;

/// <summary>
/// What recalibration changed in one BatchNormalization layer: the moving statistics before and
/// after, and how many values per channel the new ones were computed from.
/// </summary>
public sealed record RecalibratedLayer(string Name, float[] MeanBefore, float[] VarianceBefore, float[] MeanAfter, float[] VarianceAfter, long Count)
{
    /// <summary>The average |Δ moving mean| over channels.</summary>
    public double MeanShift => MeanBefore.Zip(MeanAfter, (a, b) => Math.Abs((double)a - b)).Average();

    /// <summary>The geometric mean over channels of new variance / old variance.</summary>
    public double VarianceRatio => Math.Exp(VarianceBefore.Zip(VarianceAfter, (a, b) => Math.Log(Math.Max(b, 1e-30) / Math.Max(a, 1e-30))).Average());
}
