using Strata.Formats;
namespace Strata.Data;

/// <summary>Known image data sets, read from local files (nothing is downloaded).</summary>
public static class Datasets
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The names of Fashion-MNIST's ten classes, in label order 0-9.</summary>
    public static readonly IReadOnlyList<string> FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 60,000 training and 10,000 test images of 28×28
    /// grey levels in 10 classes, from the four IDX files in <paramref name="directory"/> (gzip or raw).
    /// <paramref name="limit"/> keeps only the first training images, for quick runs.
    /// </summary>
    public static ImageDataset FashionMnist(string? directory = null, int? limit = null, int? testLimit = null)
    {
        directory ??= FashionMnistDirectory;
        if (!Directory.Exists(directory))
            throw new StrataException($"The Fashion-MNIST files are not in '{directory}'. Install them with 'apt-get install dataset-fashion-mnist' (Debian, Ubuntu) or give the directory holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.");
        if (limit is <= 0) throw new StrataException($"Expected a positive limit on training images. Received: {limit}");
        string File(string stem)
        {
            foreach (var candidate in new[] { stem + ".gz", stem })
            {
                string path = Path.Combine(directory, candidate);
                if (System.IO.File.Exists(path)) return path;
            }
            throw new StrataException($"'{directory}' has no {stem}.gz (or {stem}); it should hold the four Fashion-MNIST IDX files.");
        }
        var trainImages = IdxFile.ReadImages(File("train-images-idx3-ubyte"), limit);
        var trainLabels = IdxFile.ReadLabels(File("train-labels-idx1-ubyte"), limit);
        var testImages = IdxFile.ReadImages(File("t10k-images-idx3-ubyte"), testLimit);
        var testLabels = IdxFile.ReadLabels(File("t10k-labels-idx1-ubyte"), testLimit);
        if (trainImages.Dim(0) != trainLabels.Dim(0) || testImages.Dim(0) != testLabels.Dim(0))
            throw new StrataException($"'{directory}': the image and label files hold different numbers of items ({trainImages.Dim(0)} vs {trainLabels.Dim(0)} training, {testImages.Dim(0)} vs {testLabels.Dim(0)} test).");
        foreach (float label in trainLabels.Data.Concat(testLabels.Data))
            if (label >= FashionMnistClasses.Count)
                throw new StrataException($"'{directory}': a label {label} is outside the 10 Fashion-MNIST classes.");
        return new ImageDataset("fashion-mnist", trainImages, trainLabels, testImages, testLabels, FashionMnistClasses);
    }
}
