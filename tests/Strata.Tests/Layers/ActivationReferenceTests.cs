using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.ActivationLayers;
using Strata.Layers.Core;
using Strata.Tensors;
using Xunit;
using static Strata.Tests.TestSupport;

namespace Strata.Tests.Layers;

/// <summary>
/// Activations and activation layers against PyTorch's outputs and input gradients
/// (Fixtures/generate_activation_fixtures.py writes Fixtures/activations.json).
/// </summary>
public class ActivationReferenceTests
{
    private const double Tolerance = 2e-5;

    private static readonly Lazy<JsonObject> Fixtures = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "activations.json")))!);

    private static JsonObject Case(string name) => (JsonObject)Fixtures.Value[name]!;

    /// <summary>y and dL/dz for L = Σ y·dy, with <paramref name="build"/> applied to the case's z.</summary>
    private static (float[] Y, float[] Dx) Run(JsonObject f, Func<Node, Node> build)
    {
        var shape = Ints(f["shape"]);
        var graph = new Graph();
        var z = graph.Input(shape, requiresGradient: true);
        z.Set(new Tensor(shape, Floats(f["z"])));
        var y = build(z);
        var dy = graph.Input(shape);
        dy.Set(new Tensor(shape, Floats(f["dy"])));
        var loss = Ops.Sum(Ops.Multiply(y, dy));
        graph.Forward();
        graph.Backward(loss);
        return (y.Value.Data.ToArray(), z.Gradient!.Data.ToArray());
    }

    private static void AssertMatches(JsonObject f, (float[] Y, float[] Dx) actual, string what)
    {
        AssertClose(Floats(f["y"]), actual.Y, Tolerance, $"{what} y");
        AssertClose(Floats(f["dx"]), actual.Dx, Tolerance, $"{what} dx");
    }

    [Theory]
    [InlineData("leaky_relu")]
    [InlineData("relu6")]
    [InlineData("elu")]
    [InlineData("softplus")]
    [InlineData("softsign")]
    [InlineData("swish")]
    [InlineData("hard_sigmoid")]
    [InlineData("hard_silu")]
    [InlineData("mish")]
    [InlineData("exponential")]
    [InlineData("softmax")]
    [InlineData("log_softmax")]
    public void ActivationsAndTheirGradientsMatchPyTorch(string name)
    {
        var f = Case(name);
        var function = Activations.Parse(name, "test");
        AssertMatches(f, Run(f, z => Ops.Activation(z, function)), name);

        // Fused into Dense: an identity kernel and a zero bias hand z unchanged to the activation,
        // whose backward then runs from y alone or from the kept z.
        int units = Ints(f["shape"])[^1];
        var dense = new Dense(units, name);
        dense.Build([-1, units], new RandomGenerator(0));
        Array.Clear(dense.Kernel!.Value.Data);
        for (int i = 0; i < units; i++) dense.Kernel.Value.Data[i * units + i] = 1;
        AssertMatches(f, Run(f, z => dense.Call(z, CallMode.Training)), $"dense {name}");
    }

    /// <summary>Each layer read from its Keras config, then run on the case's input.</summary>
    [Theory]
    [InlineData("layer_leaky_relu", """{"class_name": "LeakyReLU", "config": {}}""")]
    [InlineData("layer_leaky_relu", """{"class_name": "LeakyReLU", "config": {"negative_slope": 0.3}}""")]
    [InlineData("layer_relu_max_value", """{"class_name": "ReLU", "config": {"max_value": 2.5}}""")]
    [InlineData("layer_relu_max_value_6", """{"class_name": "ReLU", "config": {"max_value": 6}}""")]
    [InlineData("layer_relu_negative_slope", """{"class_name": "ReLU", "config": {"negative_slope": 0.1}}""")]
    [InlineData("layer_relu_all", """{"class_name": "ReLU", "config": {"max_value": 3.0, "negative_slope": 0.1, "threshold": 0.5}}""")]
    [InlineData("layer_elu_alpha", """{"class_name": "ELU", "config": {"alpha": 0.7}}""")]
    [InlineData("elu", """{"class_name": "ELU", "config": {}}""")]
    [InlineData("layer_softmax_axis1", """{"class_name": "Softmax", "config": {"axis": 1}}""")]
    [InlineData("layer_softmax_axis1", """{"class_name": "Softmax", "config": {"axis": -2}}""")]
    [InlineData("softmax", """{"class_name": "Softmax", "config": {}}""")]
    public void ActivationLayersMatchPyTorch(string fixture, string config)
    {
        var f = Case(fixture);
        var layer = LayerRegistry.FromConfig(JsonNode.Parse(config), 0);
        int[] batchShape = [-1, .. Ints(f["shape"])[1..]];
        layer.Build(batchShape, new RandomGenerator(0));
        AssertMatches(f, Run(f, z => layer.Call(z, CallMode.Training)), fixture);
    }

    [Theory]
    [InlineData("layer_prelu_units", null)]
    [InlineData("layer_prelu_shared", new[] { 1, 2 })]
    [InlineData("layer_prelu_full", null)]
    public void PReLUMatchesPyTorchWithItsAlphaGradient(string fixture, int[]? sharedAxes)
    {
        var f = Case(fixture);
        var layer = new PReLU(sharedAxes);
        int[] batchShape = [-1, .. Ints(f["shape"])[1..]];
        layer.Build(batchShape, new RandomGenerator(0));
        // PyTorch's channel alphas [C] are Strata's [1, ..., 1, C]: the same values in the same order.
        Assert.Equal(Floats(f["alpha"]).Length, layer.Alpha!.Value.Size);
        Floats(f["alpha"]).CopyTo(layer.Alpha.Value.Data, 0);
        Graph? graph = null;
        var result = Run(f, z => { graph = z.Graph; return layer.Call(z, CallMode.Training); });
        AssertMatches(f, result, fixture);
        AssertClose(Floats(f["dalpha"]), graph!.GradientOf(layer.Alpha)!.Data, Tolerance, "dalpha");
    }
}
