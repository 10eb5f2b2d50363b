using Strata.Advice;
using Strata.Layers.Core;
using Strata.Models;
using Strata.Runs;
using Xunit;

namespace Strata.Tests.Runs;

/// <summary>An IDX directory brings its own labels: every command that reads one refuses a targets file beside it, naming the directory, before reading anything.</summary>
public sealed class IdxTargetsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-idx-targets-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void ATargetsFileBesideAnIdxDirectoryIsRefusedByEveryCommand()
    {
        var model = new Sequential([new InputLayer([-1, 4]), new Dense(1)]);
        string dir = _dir.FullName, expected = $"{dir}: an IDX directory holds its own labels; it takes no separate targets file.";
        // The directory is empty: reading it would fail otherwise, so the message shows the check comes first.
        Assert.Equal(expected, Assert.Throws<StrataException>(() => ModelRows.Read(model, dir, "y.npy")).Message);
        Assert.Equal(expected, Assert.Throws<StrataException>(() => ModelDiagnosis.Run(model, dir, targetsPath: "y.npy")).Message);
        Assert.Equal(expected, Assert.Throws<StrataException>(() => ModelRecalibration.Run(model, dir, new RecalibrationOptions(TargetsPath: "y.npy"))).Message);
    }
}
