using Strata.Formats;
using Strata.Models;
using Strata.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace Strata.Tests.Formats.Keras;

/// <summary>
/// The two files Keras itself wrote, in ../shared/keras-files beside the repository (not part of it: their
/// licences are not stated). Where the folder is absent these checks pass without running; the generated
/// files of <see cref="KerasModelFileTests"/> are the suite's real coverage. They print their numbers
/// (dotnet test --filter RealKerasFileTests --logger "console;verbosity=detailed").
/// </summary>
public sealed class RealKerasFileTests(ITestOutputHelper output)
{
    private static readonly string Folder = Path.GetFullPath(Path.Combine(TestSupport.RepositoryRoot, "..", "shared", "keras-files"));

    [Fact]
    public void TheKeras2CnnReproducesKerassOwnPredictions()
    {
        if (Open("keras2.1.3-cnn-batchnorm", "cnn_batch_norm.h5", "input.npy") is not (string dir, Sequential model, Tensor x)) return;
        var want = NumpyFile.Read(Path.Combine(dir, "expected_keras.npy")).Data;
        var y = model.Predict(x);
        double maxDiff = want.Select((w, i) => Math.Abs((double)y.Data[i] - w)).Max(), scale = want.Max(w => Math.Abs((double)w));
        output.WriteLine($"Keras 2.1.3 CNN: {want.Length} predictions, max |Strata - Keras| = {maxDiff:g3}, relative {maxDiff / scale:g3}; origin: {model.Origin!.Describe()}");
        Assert.True(maxDiff / scale <= 1e-5, $"relative difference {maxDiff / scale}");
    }

    [Fact]
    public void TheKeras3ModelGivesKerassTestAccuracy()
    {
        if (Open("keras3.6-dense-batchnorm-dropout", "best_model.keras", "X_test.npy") is not (string dir, Sequential model, Tensor x)) return;
        var labels = NumpyFile.Read(Path.Combine(dir, "y_test.npy")).Data;
        var y = model.Predict(x, batchSize: 256);
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            var row = y.Data.AsSpan(i * 3, 3);
            if (row.IndexOf(MaxOf(row)) == (int)labels[i]) correct++;
        }
        output.WriteLine($"Keras 3.6 model: accuracy {correct / (double)labels.Length:F6} ({correct} of {labels.Length}); Keras printed 0.3741; origin: {model.Origin!.Describe()}");
        // The file's reference records 753 correct: Keras's argmax on these rows.
        Assert.Equal(753, correct);
    }

    /// <summary>The folder, its model loaded and its input array; null (and a note) where the folder is absent.</summary>
    private (string Dir, Sequential Model, Tensor X)? Open(string folder, string modelFile, string inputFile)
    {
        string dir = Path.Combine(Folder, folder);
        if (!Directory.Exists(dir))
        {
            output.WriteLine($"{dir} is absent; nothing checked.");
            return null;
        }
        return (dir, Sequential.Load(Path.Combine(dir, modelFile)), NumpyFile.Read(Path.Combine(dir, inputFile)));
    }

    private static float MaxOf(Span<float> row)
    {
        float max = row[0];
        foreach (float v in row) max = Math.Max(max, v);
        return max;
    }
}
