using Strata.Data;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;

namespace Strata.Tests.Models;

/// <summary>A small Conv → BatchNormalization → ReLU → MaxPooling → SpatialDropout network learns the committed Fashion-MNIST sample.</summary>
public class ConvolutionalTrainingTests
{
    [Fact]
    public void ASmallCnnLearnsTheFashionSample()
    {
        var set = Datasets.FashionMnist(Path.Combine(TestSupport.RepositoryRoot, "data", "fashion-mnist-sample"));
        var model = new Sequential(
        [
            new InputLayer([-1, 28, 28, 1]),
            new Conv2D(8, 3), new BatchNormalization(), new Activation("relu"), new MaxPooling2D(), new SpatialDropout2D(0.1),
            new Conv2D(16, 3, padding: "same"), new BatchNormalization(), new Activation("relu"), new MaxPooling2D(), new DropBlock2D(0.1, 3),
            new GlobalAveragePooling2D(), new Dense(10, "softmax"),
        ], seed: 1);
        model.Compile(new Adam(0.01), new SparseCategoricalCrossentropy(), ["accuracy"]);
        var history = model.Fit(set.TrainImages, set.TrainLabels, batchSize: 32, epochs: 6, validationData: (set.TestImages, set.TestLabels));
        Assert.True(history["loss"][^1] < 0.7 * history["loss"][0], $"loss {history["loss"][0]} -> {history["loss"][^1]}");
        // 114 steps leave momentum-0.99 moving statistics a third of the way from their start values,
        // so inference lags training; recalibrating them on the training images repairs it.
        double before = model.Evaluate(set.TestImages, set.TestLabels)["accuracy"];
        model.RecalibrateBatchNorm(set.TrainImages, batchSize: 100);
        double after = model.Evaluate(set.TestImages, set.TestLabels)["accuracy"];
        Assert.True(after > 0.5 && after > before, $"test accuracy {before} before recalibration, {after} after (chance is 0.1)");
    }
}
