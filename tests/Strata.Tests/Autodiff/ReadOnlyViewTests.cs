using Strata.Autodiff;
using Xunit;

namespace Strata.Tests.Autodiff;

/// <summary>Public array-valued properties hand out read-only views, never the arrays the library writes.</summary>
public class ReadOnlyViewTests
{
    [Fact]
    public void PopulationStatisticsExposeReadOnlyViewsOfTheMergedMoments()
    {
        var statistics = new PopulationStatistics(2);
        // Channel 0 sees {0, 2} then {2, 4}; channel 1 sees 2 four times.
        statistics.Merge([1, 2], [2, 0], 2);
        statistics.Merge([3, 2], [2, 0], 2);

        Assert.Equal(new[] { 2.0, 2.0 }, statistics.Mean);
        // Deviations from 2 of 0, 2, 2, 4: 4 + 0 + 0 + 4.
        Assert.Equal(new[] { 8.0, 0.0 }, statistics.SquaredDeviations);
        Assert.Equal(2.0, statistics.Variance(0, unbiased: false), 12);
        Assert.Equal(8.0 / 3, statistics.Variance(0, unbiased: true), 12);

        Assert.IsNotType<double[]>(statistics.Mean);
        Assert.IsNotType<double[]>(statistics.SquaredDeviations);
        Assert.Throws<NotSupportedException>(() => ((IList<double>)statistics.Mean)[0] = 5);
        Assert.Throws<NotSupportedException>(() => ((IList<double>)statistics.SquaredDeviations)[0] = 5);
        Assert.Equal(2.0, statistics.Mean[0]);

        // The views follow the statistics they show.
        statistics.Reset();
        Assert.Equal(new[] { 0.0, 0.0 }, statistics.Mean);
        Assert.Equal(new[] { 0.0, 0.0 }, statistics.SquaredDeviations);
    }

    [Fact]
    public void BatchNormOptionsKeepTheirOwnCopyOfTheAxes()
    {
        int[] axes = [1, 3];
        var options = new BatchNormOptions { Axes = axes };
        axes[0] = 2;

        Assert.Equal(new[] { 1, 3 }, options.Axes);
        Assert.IsNotType<int[]>(options.Axes);
        Assert.Throws<NotSupportedException>(() => ((IList<int>)options.Axes)[0] = 2);
        Assert.Equal(new[] { 1, 3 }, (options with { Momentum = 0.9f }).Axes);
    }
}
