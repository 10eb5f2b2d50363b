using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Strata.IO;
using Strata.IO.Onnx;
using Strata.Layers;
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

namespace Strata.Tests.IO;

/// <summary>
/// `strata export --format onnx`, checked by running the file in ONNX Runtime (the npm package
/// onnxruntime-node, installed into tools/onnxruntime on first use) and comparing with Predict.
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private static readonly Lazy<string> Runtime = new(InstallRuntime);
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-onnx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

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
        var actual = RunInOnnxRuntime(onnx, x);
        Assert.Equal(expected.Size, actual.Length);
        double max = 0;
        for (int i = 0; i < actual.Length; i++) max = Math.Max(max, Math.Abs(expected.Data[i] - actual[i]));
        output.WriteLine($"{what}: max abs error {max:G3} over {actual.Length} outputs");
        Assert.True(max <= Tolerance, $"{what}: ONNX Runtime differs from Predict by {max}");
    }

    private float[] RunInOnnxRuntime(string model, Tensor x)
    {
        string input = Path.Combine(_dir, "input.bin"), result = Path.Combine(_dir, "output.bin");
        File.WriteAllBytes(input, MemoryMarshal.AsBytes(x.Data.AsSpan()).ToArray());
        var (code, stdout, stderr) = Node(Runtime.Value, Path.Combine(Runtime.Value, "run.js"), model, input, $"[{string.Join(',', x.ShapeArray())}]", result);
        Assert.True(code == 0, $"ONNX Runtime failed: {stderr}{stdout}");
        return MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(result)).ToArray();
    }

    private string WriteSpec(JsonObject spec)
    {
        string path = Path.Combine(_dir, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, spec.ToJsonString());
        return path;
    }

    /// <summary>tools/onnxruntime with its node_modules; installed with npm when missing (the package carries its CPU runtime).</summary>
    private static string InstallRuntime()
    {
        string dir = Path.Combine(TestSupport.RepositoryRoot, "tools", "onnxruntime");
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "onnxruntime-node")))
        {
            var (code, stdout, stderr) = Run(dir, "npm", "install", "--ignore-scripts", "--no-audit", "--no-fund");
            Assert.True(code == 0, $"npm install --ignore-scripts in {dir} failed: {stderr}{stdout}");
        }
        return dir;
    }

    private static (int Code, string Out, string Err) Node(string dir, params string[] args) => Run(dir, "node", args);

    private static (int Code, string Out, string Err) Run(string dir, string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
