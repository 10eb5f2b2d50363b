using Strata.Data;
using Strata.Models;
using Strata.Tensors;

namespace Strata.Runs;

/// <summary>
/// The images of a Fashion-MNIST IDX directory as a model's recalibration and diagnosis take them: the
/// training images to measure on (those the model's own run trained on, its limit and validation split
/// applied, when its spec read this directory) and the test images to score on.
/// </summary>
/// <param name="TrainX">The training images measured on.</param>
/// <param name="TestX">The test images.</param>
/// <param name="TestY">The test labels.</param>
/// <param name="Described">Which training images these are, for reports ("the 256 training images of the model's run in DIR").</param>
/// <param name="OwnRun">Whether they are the training images of the model's own run (its limit and split applied).</param>
public sealed record ImageRows(Tensor TrainX, Tensor TestX, Tensor TestY, string Described, bool OwnRun)
{
    /// <summary>
    /// Reads <paramref name="directory"/>. Unless <paramref name="allImages"/>, a model whose spec trained on
    /// this directory gets the training images of its run (see <see cref="SpecData.Load"/>); otherwise every
    /// training image of the directory.
    /// </summary>
    public static ImageRows Read(Sequential model, string directory, bool allImages = false)
    {
        var spec = TrainingMetadata.Of(model)?.Spec;
        if (!allImages && spec is { Dataset: not null } && SameDirectory(spec.DataPath, directory))
        {
            var data = SpecData.Load(spec);
            var (testX, testY) = data.Test!.Value;
            return new ImageRows(data.TrainX, testX, testY, $"the {data.TrainX.Dim(0)} training images of the model's run in {directory}", true);
        }
        var set = Datasets.FashionMnist(directory);
        return new ImageRows(set.TrainImages, set.TestImages, set.TestLabels, $"the {set.TrainImages.Dim(0)} training images in {directory}", false);
    }

    /// <summary>Refuses a targets file given beside an IDX directory, whose labels come with its images.</summary>
    internal static void RefuseTargets(string directory, string? targetsPath)
    {
        if (targetsPath is not null) throw new StrataException($"{directory}: an IDX directory holds its own labels; it takes no separate targets file.");
    }

    private static bool SameDirectory(string a, string b) =>
        Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)) == Path.TrimEndingDirectorySeparator(Path.GetFullPath(b));
}
