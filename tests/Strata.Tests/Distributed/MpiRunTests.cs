using Strata.Distributed;
using Strata.Tests.Cli;
using Xunit;

namespace Strata.Tests.Distributed;

/// <summary>The mpirun command line that strata train --ranks N builds, and the option's checks.</summary>
public class MpiRunTests
{
    [Fact]
    public void RanksThatFitTheCoresAreEachBoundToTheirShare()
    {
        var arguments = MpiRun.Arguments(2, ["dotnet", "strata.dll", "train", "spec.json"], cores: 8, asRoot: false);
        Assert.Equal(["-np", "2", "--map-by", "slot:PE=4", "--bind-to", "core", "-x", "DOTNET_TC_CallCountingDelayMs=0", "-x", "TERM=dumb",
            "dotnet", "strata.dll", "train", "spec.json"], arguments);
    }

    [Fact]
    public void MoreRanksThanCoresShareThemWithOneThreadEach()
    {
        var arguments = MpiRun.Arguments(3, ["strata", "train", "spec.json"], cores: 2, asRoot: true);
        Assert.Equal(["-np", "3", "--oversubscribe", "--bind-to", "none", "-x", "DOTNET_PROCESSOR_COUNT=1", "-x", "DOTNET_TC_CallCountingDelayMs=0",
            "-x", "TERM=dumb", "--allow-run-as-root", "strata", "train", "spec.json"], arguments);
    }

    [Fact]
    public void ARankCountBelowOneIsRefusedByName()
    {
        var (code, _, err) = CliRunner.Run("train", "examples/red-wine.json", "--ranks", "0");
        Assert.Equal(2, code);
        Assert.Contains("--ranks", err);
    }
}
