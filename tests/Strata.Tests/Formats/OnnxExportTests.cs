using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Strata.Runs;
using Strata.Formats.Onnx;
using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.ActivationLayers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Regularization;
using Strata.Layers.Reshaping;
using Strata.Models;
using Strata.Tensors;
using Xunit;
using Xunit.Abstractions;
using Strata.Formats;

namespace Strata.Tests.Formats;

/// <summary>
/// `strata export --format onnx`, checked by running the file in ONNX Runtime in process (the
/// Microsoft.ML.OnnxRuntime package, CPU) and comparing with Predict or with values worked by hand.
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-onnx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ADenseLayerWithHandSetWeightsGivesTheHandComputedOutputsInOnnxRuntime()
    {
        var dense = new Dense(2, "relu");
        var model = new Sequential([new InputLayer([-1, 2]), dense]);
        // An asymmetric kernel, so a transposed MatMul would show.
        float[] kernel = [1, 2, 3, 4], bias = [0.5f, -1];
        kernel.CopyTo(dense.Kernel!.Value.Data, 0);
        bias.CopyTo(dense.Bias!.Value.Data, 0);
        string onnx = Path.Combine(_dir, "dense.onnx");
        OnnxExport.Save(model, onnx);

        // relu(x @ [[1, 2], [3, 4]] + [0.5, -1]), row by row:
        //   [1, -1]    -> [-2, -2] + b     = [-1.5, -3]  -> [0, 0]
        //   [0.5, 2]   -> [6.5, 9] + b     = [7, 8]
        //   [-2, 1]    -> [1, 0] + b       = [1.5, -1]   -> [1.5, 0]
        //   [1, 0.25]  -> [1.75, 3] + b    = [2.25, 2]
        var x = new Tensor([4, 2], [1, -1, 0.5f, 2, -2, 1, 1, 0.25f]);
        var actual = RunInOnnxRuntime(onnx, x, [4, 2]);
        float[] expected = [0, 0, 7, 8, 1.5f, 0, 2.25f, 2];
        double max = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        output.WriteLine($"hand-set dense: max abs error {max:G3} over {actual.Length} outputs");
        Assert.True(max <= Tolerance, $"hand-set dense: ONNX Runtime gives [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
    }

    [Fact]
    public void TheRedWineModelRunsInOnnxRuntimeAsInStrata()
    {
        var spec = TrainingSpec.Load(WriteSpec(Cli.CliRunner.RedWineSpec(epochs: 2)));
        var run = TrainingRun.Execute(spec, Path.Combine(_dir, "wine"));
        var x = SpecData.Load(spec).Validation!.Value.X.SliceRows(0, 64);
        Compare("red wine", run.Model, x);
    }

    [Fact]
    public void TheFashionCnnRunsInOnnxRuntimeAsInStrata()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestSupport.RepositoryRoot, "examples", "fashion-cnn.json")))!.AsObject();
        json["data"]!["path"] = Path.Combine(TestSupport.RepositoryRoot, "data", "fashion-mnist-sample");
        json["fit"]!["epochs"] = 1;
        var spec = TrainingSpec.Load(WriteSpec(json));
        spec.Limit = 256;
        var run = TrainingRun.Execute(spec, Path.Combine(_dir, "fashion"));
        Compare("fashion cnn", run.Model, SpecData.Load(spec).Test!.Value.X.SliceRows(0, 32));
    }

    [Fact]
    public void EveryExportableLayerTypeRunsInOnnxRuntimeAsInStrata()
    {
        var image = new Sequential([
            new InputLayer([-1, 9, 9, 3]),
            new ZeroPadding2D(1, 0, 2, 1),
            new Conv2D(4, [3, 3], padding: "same", activation: "elu"),
            new BatchNormalization(),
            new Activation("selu"),
            new Conv2D(6, [3, 3], strides: [2, 2], groups: 2, activation: "gelu"),
            new SpatialDropout2D(0.3),
            new MaxPooling2D([2, 2], padding: "same"),
            new GaussianNoise(0.2),
            new Conv2D(4, [2, 2], dilationRate: [2, 2], padding: "same", useBias: false),
            new DropBlock2D(0.2, blockSize: 2),
            new AveragePooling2D([2, 2], [1, 1], padding: "same"),
            new Residual([new Conv2D(4, [3, 3], padding: "same", activation: "leaky_relu")]),
            new Swapout([new Conv2D(4, [3, 3], padding: "same", activation: "relu")], 0.8, 0.6),
            new Swapout([new Conv2D(4, [1, 1], activation: "tanh")], 1, 0.3),
            new WeightedChannelDropout(0.5, 0.1),
            new GlobalMaxPooling2D(),
            new Dense(5, "tanh"),
        ], seed: 3);
        Randomize(image);
        Compare("image layers", image, TestSupport.Random(5, 1.0, 7, 9, 9, 3));

        var pooled = new Sequential([new InputLayer([-1, 6, 6, 2]), new AveragePooling2D([3, 3], [2, 2]), new GlobalAveragePooling2D(), new Dense(3, "softmax")], seed: 2);
        Randomize(pooled);
        Compare("average pooling", pooled, TestSupport.Random(6, 1.0, 5, 6, 6, 2));

        var table = new Sequential([
            new InputLayer([-1, 6]),
            new Strata.Layers.Normalization.Normalization(mean: [1, 2, 3, 4, 5, 6], variance: [1, 4, 9, 0.25f, 2, 0]),
            new Dense(8, "relu"), new Dropout(0.4), new AlphaDropout(0.1), new GaussianDropout(0.2),
            new LayerNormalization(),
            new DropConnect(new Dense(8, "sigmoid"), 0.3),
            new StochasticDepth(0.2),
            new Reshape([2, 4]), new Flatten(),
            new Dense(4), new BatchNormalization(), new Activation("softmax"),
        ], seed: 4);
        Randomize(table);
        Compare("table layers", table, TestSupport.Random(7, 2.0, 9, 6));
    }

    [Fact]
    public void SequencesDepthwiseConvolutionsAndGroupNormalizationRunInOnnxRuntimeAsInStrata()
    {
        var sequence = new Sequential([
            new InputLayer([-1, 12, 4]),
            new Conv1D(6, 3, padding: "causal", dilationRate: 2, activation: "relu"),
            new Conv1D(6, 3, strides: 2, padding: "same", groups: 2),
            new GroupNormalization(groups: 3),
            new MaxPooling1D([2], padding: "same"),
            new Conv1D(4, 2),
            new AveragePooling1D([2], [1]),
            new GlobalAveragePooling1D(keepDims: true),
            new Flatten(),
            new Dense(2),
        ], seed: 5);
        Randomize(sequence);
        Compare("sequence layers", sequence, TestSupport.Random(8, 1.0, 6, 12, 4));

        var depthwise = new Sequential([
            new InputLayer([-1, 7, 7, 3]),
            new DepthwiseConv2D([3, 3], padding: "same", depthMultiplier: 2, activation: "relu"),
            new GroupNormalization(groups: 2),
            new DepthwiseConv2D([2, 2], strides: [2, 2]),
            new GlobalAveragePooling2D(),
            new GroupNormalization(groups: 3),
            new Dense(2),
        ], seed: 6);
        Randomize(depthwise);
        Compare("depthwise and group norm", depthwise, TestSupport.Random(9, 1.0, 4, 7, 7, 3));
    }

    [Fact]
    public void EveryActivationRunsInOnnxRuntimeAsInStrata()
    {
        // One model per activation, fused into Dense, so a wrong form is named by the failure.
        foreach (var f in Enum.GetValues<ActivationFunction>())
        {
            var model = new Sequential([new InputLayer([-1, 5]), new Dense(6, Activations.Name(f))], seed: 1);
            Compare($"dense {Activations.Name(f)}", model, TestSupport.Random(2, 0.7, 9, 5));
        }
    }

    [Fact]
    public void ActivationLayersRunInOnnxRuntimeAsInStrata()
    {
        var model = new Sequential([
            new InputLayer([-1, 6, 5, 4]),
            new PReLU(new PReLUConfig { Alpha = new(Initializer.RandomUniform(0, 0.5, seed: 1)), SharedAxes = [1, 2] }),
            new ReLU(maxValue: 1.5, negativeSlope: 0.2, threshold: 0.3),
            new Conv2D(4, [3, 3], padding: "same"),
            new Softmax(axis: 1),
            new ELU(0.6),
            new LeakyReLU(),
            new Conv2D(4, [2, 2], activation: "hard_silu"),
            new ReLU(negativeSlope: 0.05),
            new ReLU(maxValue: 2.5),
            new Activation("mish"),
            new ReLU(threshold: 0.1),
            new Flatten(),
        ], seed: 7);
        Compare("activation layers on feature maps", model, TestSupport.Random(10, 1.5, 5, 6, 5, 4));

        model = new Sequential([
            new InputLayer([-1, 8]),
            new Dense(6, "softsign"),
            new ReLU(maxValue: 6),
            new PReLU(new PReLUConfig { Alpha = new(Initializer.RandomUniform(0, 0.5, seed: 2)) }),
            new ReLU(),
            new Dense(4),
            new Softmax(),
        ], seed: 8);
        Compare("activation layers on units", model, TestSupport.Random(11, 1.5, 5, 8));
    }

    [Fact]
    public void MaxPoolingDropoutIsRefusedByNameRatherThanExportedAsPlainMaxPooling()
    {
        var model = new Sequential([new InputLayer([-1, 4, 4, 1]), new MaxPoolingDropout2D(0.3, name: "mpd"), new Flatten(), new Dense(1)]);
        var e = Assert.Throws<StrataException>(() => OnnxExport.Save(model, Path.Combine(_dir, "mpd.onnx")));
        Assert.Contains("Layer 'mpd' (MaxPoolingDropout2D) cannot be exported to ONNX", e.Message);
        Assert.Contains("weighted pooling", e.Message);
    }

    [Fact]
    public void ALayerWithoutAnOnnxFormIsNamed()
    {
        var model = new Sequential([new InputLayer([-1, 4]), new LayerNormalization(rmsScaling: true, name: "rms"), new Dense(1)]);
        var e = Assert.Throws<StrataException>(() => OnnxExport.Save(model, Path.Combine(_dir, "x.onnx")));
        Assert.Contains("Layer 'rms' (LayerNormalization) cannot be exported to ONNX", e.Message);
    }

    [Fact]
    public void TheExportCommandWritesTheFile()
    {
        var model = new Sequential([new InputLayer([-1, 3]), new Dense(2)]);
        string path = Path.Combine(_dir, "m.strata");
        model.Save(path);
        var (code, stdout, stderr) = Cli.CliRunner.Run("export", path);
        Assert.True(code == 0, stderr);
        Assert.Contains("opset 17", stdout);
        Compare("exported by the command", model, TestSupport.Random(1, 1.0, 4, 3), Path.Combine(_dir, "m.onnx"));
    }

    /// <summary>Moving statistics, gammas and betas away from their initial values, so normalization is really checked.</summary>
    private static void Randomize(Sequential model)
    {
        var random = new RandomGenerator(17);
        foreach (var v in model.Variables)
        {
            bool positive = v.Name is "moving_variance" or "gamma";
            for (int i = 0; i < v.Value.Size; i++)
                v.Value.Data[i] = positive ? (float)(0.5 + random.NextDouble()) : v.Name is "moving_mean" or "beta" ? (float)(random.NextDouble() - 0.5) : v.Value.Data[i];
        }
    }

    private void Compare(string what, Sequential model, Tensor x, string? exported = null)
    {
        string onnx = exported ?? Path.Combine(_dir, $"{Guid.NewGuid():N}.onnx");
        if (exported is null) OnnxExport.Save(model, onnx);
        var expected = model.Predict(x);
        var actual = RunInOnnxRuntime(onnx, x, expected.ShapeArray());
        Assert.Equal(expected.Size, actual.Length);
        double max = 0;
        for (int i = 0; i < actual.Length; i++) max = Math.Max(max, Math.Abs(expected.Data[i] - actual[i]));
        output.WriteLine($"{what}: max abs error {max:G3} over {actual.Length} outputs");
        Assert.True(max <= Tolerance, $"{what}: ONNX Runtime differs from Predict by {max}");
    }

    /// <summary>The model's output for <paramref name="x"/>, from an ONNX Runtime session on the CPU, checked to have <paramref name="outputShape"/>.</summary>
    private static float[] RunInOnnxRuntime(string model, Tensor x, int[] outputShape)
    {
        using var session = new InferenceSession(model);
        using var input = OrtValue.CreateTensorValueFromMemory(x.Data, x.ShapeArray().Select(d => (long)d).ToArray());
        using var options = new RunOptions();
        using var results = session.Run(options, [session.InputNames[0]], [input], [session.OutputNames[0]]);
        var result = results[0];
        Assert.Equal(outputShape.Select(d => (long)d), result.GetTensorTypeAndShape().Shape);
        return result.GetTensorDataAsSpan<float>().ToArray();
    }

    private string WriteSpec(JsonObject spec)
    {
        string path = Path.Combine(_dir, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, spec.ToJsonString());
        return path;
    }
}
