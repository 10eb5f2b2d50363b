using Strata.Formats;
using Strata.Models;
using Strata.Runs;
using Xunit;

namespace Strata.Tests.Layers.Recurrent;

/// <summary>
/// Checkpoints of recurrent models: the dropout, recurrent dropout and weight-drop masks come from streams
/// saved with the checkpoint, so a run stopped and resumed ends bit for bit like one that ran through.
/// </summary>
public sealed class RecurrentResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-rnn-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingSpec Spec(string example, int epochs)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(TestSupport.RepositoryRoot, "examples", example)))!.AsObject();
        json["data"]!["path"] = Path.Combine(TestSupport.RepositoryRoot, "data", "fashion-mnist-sample");
        // A narrower LSTM keeps the test quick; the dropout arguments are the example's.
        json["model"]!["config"]!["layers"]![2]!["config"]!["units"] = 16;
        json["fit"]!["epochs"] = epochs;
        return TrainingSpec.FromJson(json, Path.Combine(TestSupport.RepositoryRoot, "examples", example));
    }

    private static float[] Weights(string directory) =>
        Sequential.Load(Path.Combine(directory, "model.strata")).GetWeights().SelectMany(w => w).ToArray();

    [Theory]
    [InlineData("fashion-rnn.json")]
    [InlineData("fashion-rnn-weightdrop.json")]
    public void AResumedRecurrentRunEndsLikeOneThatRanThrough(string example)
    {
        string through = Path.Combine(_dir, example + "-through"), stopped = Path.Combine(_dir, example + "-stopped");
        TrainingRun.Execute(Spec(example, 3), through, new StringWriter(), checkpoints: new TrainingRun.Checkpoints());
        TrainingRun.Execute(Spec(example, 1), stopped, new StringWriter(), checkpoints: new TrainingRun.Checkpoints());
        TrainingRun.Execute(Spec(example, 3), stopped, new StringWriter(), checkpoints: new TrainingRun.Checkpoints(Resume: true));
        Assert.Equal(File.ReadAllText(Path.Combine(through, "history.csv")), File.ReadAllText(Path.Combine(stopped, "history.csv")));
        Assert.Equal(Weights(through), Weights(stopped));
    }
}
