using Strata.Tensors;
using Strata.Training.Losses;

namespace Strata.Advice;

/// <summary>
/// What the linter knows beyond the layers: the loss, the fit settings and the training data's
/// statistics. Every part is optional; a rule whose facts are missing does not fire.
/// </summary>
public sealed record LintContext
{
    /// <summary>The compiled loss, for the rules that check the output activation against it.</summary>
    public Loss? Loss { get; init; }

    /// <summary>The fit's batch size (Keras's batch_size).</summary>
    public int? BatchSize { get; init; }

    /// <summary>How many ranks share each batch (mpirun, <c>strata train --ranks</c>); one process when not given.</summary>
    public int? Ranks { get; init; }

    /// <summary>The number of epochs the fit runs.</summary>
    public int? Epochs { get; init; }

    /// <summary>The number of training rows (samples), validation rows excluded.</summary>
    public int? TrainingRows { get; init; }

    /// <summary>Per-feature statistics of a table's training rows (null for images or unknown data).</summary>
    public FeatureStatistics? Features { get; init; }

    /// <summary>The smallest and largest target value, for regression targets.</summary>
    public (double Min, double Max)? TargetRange { get; init; }

    /// <summary>Optimizer steps in the whole fit: epochs × batches per epoch, when both are known.</summary>
    public long? Steps => BatchSize is int b && Epochs is int e && TrainingRows is int n && b > 0 ? (long)e * ((n + b - 1) / b) : null;
}

/// <summary>Minimum, maximum, mean and variance of each feature column.</summary>
public sealed record FeatureStatistics(IReadOnlyList<string> Names, double[] Min, double[] Max, double[] Mean, double[] Variance)
{
    /// <summary>The statistics of each column of a [rows, features] tensor.</summary>
    public static FeatureStatistics Of(Tensor x, IReadOnlyList<string>? names = null)
    {
        if (x.Rank != 2) throw new StrataException($"Feature statistics need a [rows, features] table; received {ShapeOps.Format(x.Shape)}.");
        int rows = x.Dim(0), width = x.Dim(1);
        var min = Enumerable.Repeat(double.PositiveInfinity, width).ToArray();
        var max = Enumerable.Repeat(double.NegativeInfinity, width).ToArray();
        var mean = new double[width];
        var m2 = new double[width];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < width; j++)
            {
                double v = x.Data[r * width + j];
                min[j] = Math.Min(min[j], v);
                max[j] = Math.Max(max[j], v);
                double delta = v - mean[j];
                mean[j] += delta / (r + 1);
                m2[j] += delta * (v - mean[j]);
            }
        var variance = m2.Select(s => rows > 0 ? s / rows : 0).ToArray();
        return new FeatureStatistics(names ?? Enumerable.Range(0, width).Select(j => $"feature {j}").ToArray(), min, max, mean, variance);
    }

    /// <summary>The spread of a feature, max - min.</summary>
    public double Range(int feature) => Max[feature] - Min[feature];
}
