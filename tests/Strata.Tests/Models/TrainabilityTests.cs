using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;

namespace Strata.Tests.Models;

/// <summary>A change of Trainable anywhere in a model takes effect at the next fit, without compiling again.</summary>
public class TrainabilityTests
{
    private static (Tensor X, Tensor Y) Data()
    {
        var x = TestSupport.Random(3, 1, 64, 4);
        var y = new Tensor(64, 1);
        for (int r = 0; r < 64; r++) y.Data[r] = x.Data[4 * r] - 2 * x.Data[4 * r + 3];
        return (x, y);
    }

    private static Sequential Fitted(Dense inner, BatchNormalization norm, Dense output)
    {
        var model = new Sequential([new InputLayer([-1, 4]), new Residual([inner, norm]), output], seed: 5);
        model.Compile(new Adam(), new MeanSquaredError());
        var (x, y) = Data();
        model.Fit(x, y, batchSize: 16, epochs: 1, seed: 1);
        return model;
    }

    private static float[] Copy(Strata.Autodiff.Variable v) => (float[])v.Value.Data.Clone();

    [Fact]
    public void FreezingALayerInsideAResidualKeepsItsWeightsAndStatistics()
    {
        Dense inner = new(4, "relu"), output = new(1);
        var norm = new BatchNormalization();
        var model = Fitted(inner, norm, output);
        inner.Trainable = false;
        norm.Trainable = false;
        var (kernel, bias, movingMean, outputKernel) = (Copy(inner.Kernel!), Copy(inner.Bias!), Copy(norm.MovingMean!), Copy(output.Kernel!));
        var (x, y) = Data();
        model.Fit(x, y, batchSize: 16, epochs: 2, seed: 2);
        Assert.Equal(kernel, inner.Kernel!.Value.Data);
        Assert.Equal(bias, inner.Bias!.Value.Data);
        // A frozen BatchNormalization runs on its moving statistics and leaves them alone.
        Assert.Equal(movingMean, norm.MovingMean!.Value.Data);
        Assert.NotEqual(outputKernel, output.Kernel!.Value.Data);

        // Unfrozen again, it trains again.
        inner.Trainable = true;
        model.Fit(x, y, batchSize: 16, epochs: 1, seed: 3);
        Assert.NotEqual(kernel, inner.Kernel!.Value.Data);
    }

    [Fact]
    public void FreezingOneVariableKeepsItAndTrainsTheOthers()
    {
        Dense inner = new(4, "relu"), output = new(1);
        var model = Fitted(inner, new BatchNormalization(), output);
        inner.Kernel!.Trainable = false;
        output.Bias!.Trainable = false;
        var (kernel, bias, outputKernel, outputBias) = (Copy(inner.Kernel), Copy(inner.Bias!), Copy(output.Kernel!), Copy(output.Bias));
        var (x, y) = Data();
        model.Fit(x, y, batchSize: 16, epochs: 2, seed: 2);
        Assert.Equal(kernel, inner.Kernel.Value.Data);
        Assert.Equal(outputBias, output.Bias.Value.Data);
        Assert.NotEqual(bias, inner.Bias!.Value.Data);
        Assert.NotEqual(outputKernel, output.Kernel!.Value.Data);
    }
}
