using Strata.Runs;
using Strata.Models;
using Strata.Tests.Cli;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Runs;

/// <summary>A run's checkpoint only resumes the run that wrote it.</summary>
public sealed class TrainingRunTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-run-");

    public void Dispose() => _dir.Delete(recursive: true);

    private TrainingSpec Spec(int batchSize)
    {
        var spec = CliRunner.SmallRedWineSpec(epochs: 2);
        spec["fit"]!["batch_size"] = batchSize;
        string path = Path.Combine(_dir.FullName, $"batch-{batchSize}.json");
        File.WriteAllText(path, spec.ToJsonString());
        return TrainingSpec.Load(path);
    }

    [Fact]
    public void ACheckpointIsRefusedForAnotherBatchSizeNamingIt()
    {
        string run = Path.Combine(_dir.FullName, "run");
        var first = Spec(256);
        first.Epochs = 1;
        TrainingRun.Execute(first, run, checkpoints: new TrainingRun.Checkpoints());
        string checkpoint = Path.Combine(run, TrainingCheckpoint.FileName);
        byte[] written = File.ReadAllBytes(checkpoint);

        // Other batches give another row order and step count: continuing would match no uninterrupted run.
        var e = Assert.Throws<StrataException>(() => TrainingRun.Execute(Spec(64), run, checkpoints: new TrainingRun.Checkpoints(Resume: true)));
        Assert.Contains(checkpoint, e.Message);
        Assert.Contains("written for another batch_size than", e.Message);
        Assert.Equal(written, File.ReadAllBytes(checkpoint));

        // The batch size it was written with resumes it.
        var result = TrainingRun.Execute(Spec(256), run, checkpoints: new TrainingRun.Checkpoints(Resume: true));
        Assert.Equal([1, 2], result.History.Epochs);
    }
}
