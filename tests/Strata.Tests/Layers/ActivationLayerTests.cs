using System.Text.Json.Nodes;
using Strata.Advice;
using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.ActivationLayers;
using Strata.Layers.Constraints;
using Strata.Layers.Core;
using Strata.Layers.Regularizers;
using Strata.Models;
using Strata.Tensors;
using Strata.Training.Losses;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Layers;

/// <summary>
/// The activation layers (LeakyReLU, ReLU, PReLU, ELU, Softmax) and the activations beyond the
/// first nine: the layer contract (shapes, weights, config round trip, gradients against finite
/// differences), Keras's config spellings and messages, and Keras's documented outputs.
/// </summary>
public class ActivationLayerTests
{
    public static IEnumerable<object[]> Layers() =>
    [
        [(Func<Layer>)(() => new LeakyReLU()), new[] { 5, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new LeakyReLU(new LeakyReLUConfig { NegativeSlope = 0.05 })), new[] { 3, 4, 2 }, new[] { -1, 4, 2 }, 0, 0],
        [(Func<Layer>)(() => new ReLU()), new[] { 5, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new ReLU(maxValue: 6)), new[] { 5, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new ReLU(negativeSlope: 0.1)), new[] { 5, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new ReLU(maxValue: 1.2, negativeSlope: 0.2, threshold: 0.4)), new[] { 6, 5 }, new[] { -1, 5 }, 0, 0],
        [(Func<Layer>)(() => new PReLU()), new[] { 5, 4 }, new[] { -1, 4 }, 1, 0],
        [(Func<Layer>)(() => new PReLU(new PReLUConfig
        {
            Alpha = new(Initializer.RandomUniform(0, 0.5, seed: 1), Regularizer.L2(0.01), Constraint.NonNeg()), SharedAxes = [1, 2],
        })), new[] { 2, 3, 4, 5 }, new[] { -1, 3, 4, 5 }, 1, 0],
        [(Func<Layer>)(() => new PReLU(new PReLUConfig { Alpha = new(Initializer.Constant(0.25)), SharedAxes = [1] })), new[] { 3, 4, 2 }, new[] { -1, 4, 2 }, 1, 0],
        [(Func<Layer>)(() => new ELU()), new[] { 5, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new ELU(0.5)), new[] { 5, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new Softmax()), new[] { 5, 4 }, new[] { -1, 4 }, 0, 0],
        [(Func<Layer>)(() => new Softmax(axis: 1)), new[] { 3, 4, 5 }, new[] { -1, 4, 5 }, 0, 0],
        [(Func<Layer>)(() => new Softmax(axis: 2)), new[] { 3, 4, 5 }, new[] { -1, 4, 5 }, 0, 0],
    ];

    [Theory]
    [MemberData(nameof(Layers))]
    public void ActivationLayersKeepTheLayerContract(Func<Layer> create, int[] inputShape, int[] expectedOutput, int trainable, int nonTrainable) =>
        new LayerContractTests().ShapesWeightsConfigAndGradients(create, inputShape, expectedOutput, trainable, nonTrainable);

    public static IEnumerable<object[]> NewActivations() =>
        new[] { "softplus", "softsign", "swish", "hard_sigmoid", "hard_silu", "mish", "relu6", "exponential", "log_softmax" }.Select(n => new object[] { n });

    /// <summary>Each activation as an Activation layer and fused into Dense (whose backward keeps only y, or z where the derivative needs it).</summary>
    [Theory]
    [MemberData(nameof(NewActivations))]
    public void NewActivationsKeepTheLayerContractAloneAndFusedIntoDense(string activation)
    {
        var contract = new LayerContractTests();
        contract.ShapesWeightsConfigAndGradients(() => new Activation(activation), [4, 3], [-1, 3], 0, 0);
        contract.ShapesWeightsConfigAndGradients(() => new Dense(4, activation), [5, 3], [-1, 4], 2, 0);
    }

    [Fact]
    public void EveryActivationNameRoundTripsAndTheKeras3AliasesAreRead()
    {
        foreach (ActivationFunction f in Enum.GetValues<ActivationFunction>())
            Assert.Equal(f, Activations.Parse(Activations.Name(f), "layer"));
        Assert.Equal(ActivationFunction.Swish, Activations.Parse("silu", "layer"));
        Assert.Equal(ActivationFunction.HardSilu, Activations.Parse("hard_swish", "layer"));
        Assert.Equal("swish", Activations.Name(ActivationFunction.Swish));
        Assert.Equal("hard_silu", Activations.Name(ActivationFunction.HardSilu));
        var e = Assert.Throws<ArgumentException>(() => Activations.Parse("mihs", "d"));
        Assert.Contains("Unknown activation 'mihs' in layer 'd' (did you mean 'mish'?)", e.Message);
    }

    [Fact]
    public void ConfigsAreWrittenWithKerasKeysAndDefaults()
    {
        static JsonObject Config(Layer layer)
        {
            var config = layer.GetConfig();
            foreach (var key in new[] { "name", "trainable", "dtype" }) config.Remove(key);
            return config;
        }
        Assert.Equal("""{"negative_slope":0.3}""", Config(new LeakyReLU()).ToJsonString());
        Assert.Equal("""{"max_value":null,"negative_slope":0,"threshold":0}""", Config(new ReLU()).ToJsonString());
        Assert.Equal("""{"alpha":1}""", Config(new ELU()).ToJsonString());
        Assert.Equal("""{"axis":-1}""", Config(new Softmax()).ToJsonString());
        var prelu = Config(new PReLU());
        Assert.Equal(["alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"], prelu.Select(kv => kv.Key));
        Assert.Equal("Zeros", prelu["alpha_initializer"]!["class_name"]!.GetValue<string>());
        Assert.Null(prelu["shared_axes"]);
        Assert.Equal("leaky_re_lu", Layer.UniqueName(new LeakyReLU().ClassName, Array.Empty<string>()));
        Assert.Equal("p_re_lu", Layer.UniqueName(new PReLU().ClassName, Array.Empty<string>()));
    }

    [Fact]
    public void Keras2ConfigsAreRead()
    {
        // Keras 2 wrote LeakyReLU's slope as alpha, and PReLU's shared_axes may be one integer.
        var leaky = (LeakyReLU)Read("""{"class_name": "LeakyReLU", "config": {"name": "l", "alpha": 0.1, "trainable": true, "dtype": "float32"}}""");
        Assert.Equal(0.1, leaky.Config.NegativeSlope);
        Assert.Equal(0.1, leaky.GetConfig()["negative_slope"]!.GetValue<double>());
        var prelu = (PReLU)Read("""{"class_name": "PReLU", "config": {"alpha_initializer": {"class_name": "Constant", "config": {"value": 0.25}}, "shared_axes": 1}}""");
        Assert.Equal([1], prelu.Config.SharedAxes!);
        prelu.Build([-1, 4, 3], new RandomGenerator(0));
        Assert.Equal([1, 3], prelu.Alpha!.Value.ShapeArray());
        Assert.All(prelu.Alpha.Value.Data, a => Assert.Equal(0.25f, a));
        var relu = (ReLU)Read("""{"class_name": "ReLU", "config": {"max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0}}""");
        Assert.Equal(6.0, relu.Config.MaxValue);
    }

    private static Layer Read(string json) => LayerRegistry.FromConfig(JsonNode.Parse(json), 0);

    [Fact]
    public void BadArgumentsAreRejectedWithKerasMessages()
    {
        Assert.Contains("Received: negative_slope=-0.1", Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyReLU(-0.1)).Message);
        Assert.Contains("max_value of a ReLU layer cannot be a negative value. Received: max_value=-1", Assert.Throws<ArgumentOutOfRangeException>(() => new ReLU(maxValue: -1)).Message);
        Assert.Contains("Received: negative_slope=-2", Assert.Throws<ArgumentOutOfRangeException>(() => new ReLU(negativeSlope: -2)).Message);
        Assert.Contains("Received: threshold=-0.5", Assert.Throws<ArgumentOutOfRangeException>(() => new ReLU(threshold: -0.5)).Message);
        Assert.Contains("shared_axes=[0]", Assert.Throws<ArgumentOutOfRangeException>(() => new PReLU([0])).Message);
        var e = Assert.Throws<StrataException>(() => Read("""{"class_name": "LeakyReLU", "config": {"name": "leaky", "negative_slope": -1}}"""));
        Assert.Contains("argument 'negative_slope' of LeakyReLU layer 'leaky'", e.Message);
        e = Assert.Throws<StrataException>(() => new Softmax(axis: 3, name: "s").Build([-1, 4, 5], new RandomGenerator(0)));
        Assert.Contains("Softmax layer 's' normalizes over axis 3", e.Message);
        e = Assert.Throws<StrataException>(() => new PReLU([3], name: "p").Build([-1, 4, 5], new RandomGenerator(0)));
        Assert.Contains("PReLU layer 'p' shares alpha along axis 3", e.Message);
        e = Assert.Throws<StrataException>(() => new PReLU(name: "p").Build([-1, -1, 5], new RandomGenerator(0)));
        Assert.Contains("share the unknown ones with shared_axes", e.Message);
    }

    /// <summary>The examples of Keras's documentation, on [-3, -1, 0, 2].</summary>
    [Theory]
    [InlineData(null, 0.0, 0.0, new[] { 0f, 0, 0, 2 })]
    [InlineData(1.0, 0.0, 0.0, new[] { 0f, 0, 0, 1 })]
    [InlineData(null, 1.0, 0.0, new[] { -3f, -1, 0, 2 })]
    [InlineData(null, 0.0, 1.5, new[] { 0f, 0, 0, 2 })]
    // Worked by hand: below the threshold 0.5·(x − 1), so −2 and −1; at it 0 (Keras keeps x only above it); 2 capped at 1.5.
    [InlineData(1.5, 0.5, 1.0, new[] { -2f, -1, -0.5f, 1.5f })]
    public void ReLUGivesKerasDocumentedOutputs(double? maxValue, double negativeSlope, double threshold, float[] expected) =>
        TestSupport.AssertClose(expected, Apply(new ReLU(maxValue, negativeSlope, threshold), [-3, -1, 0, 2]), 1e-7);

    [Fact]
    public void LeakyReLUDefaultsToKerasLayerSlope()
    {
        // Keras 2's documentation: LeakyReLU() gives [-0.9, -0.3, 0, 2], LeakyReLU(alpha=0.1) [-0.3, -0.1, 0, 2].
        TestSupport.AssertClose([-0.9f, -0.3f, 0, 2], Apply(new LeakyReLU(), [-3, -1, 0, 2]), 1e-7);
        TestSupport.AssertClose([-0.3f, -0.1f, 0, 2], Apply(new LeakyReLU(0.1), [-3, -1, 0, 2]), 1e-7);
        // The leaky_relu function keeps its own default, 0.2.
        TestSupport.AssertClose([-0.6f, -0.2f, 0, 2], Apply(new Activation("leaky_relu"), [-3, -1, 0, 2]), 1e-7);
    }

    [Fact]
    public void ELUAndSoftmaxLayersGiveHandWorkedOutputs()
    {
        // alpha·(e^x − 1): 0.5·(e^−1 − 1) = −0.316060…, 0.5·(e^−2 − 1) = −0.432332…
        TestSupport.AssertClose([-0.31606028f, -0.43233236f, 0, 2], Apply(new ELU(0.5), [-1, -2, 0, 2]), 1e-6);
        // Along axis 1 of [1, 2, 2]: columns (0, ln 3) and (1, 1) give (1/4, 3/4) and (1/2, 1/2).
        var graph = new Graph();
        var input = graph.Input([1, 2, 2]);
        input.Set(new Tensor([1, 2, 2], [0, 1, MathF.Log(3), 1]));
        var layer = new Softmax(axis: 1);
        layer.Build([-1, 2, 2], new RandomGenerator(0));
        var y = layer.Call(input, false);
        graph.Forward();
        TestSupport.AssertClose([0.25f, 0.5f, 0.75f, 0.5f], y.Value.Data, 1e-6);
    }

    private static float[] Apply(Layer layer, float[] x)
    {
        layer.Build([-1, x.Length], new RandomGenerator(0));
        var graph = new Graph();
        var input = graph.Input([1, x.Length]);
        input.Set(new Tensor([1, x.Length], x));
        var y = layer.Call(input, false);
        graph.Forward();
        return y.Value.Data.ToArray();
    }

    [Fact]
    public void TheLinterSeesActivationLayersAsTheirActivations()
    {
        Assert.Equal(ActivationFunction.Relu, LayerRoles.ActivationOf(new ReLU()));
        Assert.Equal(ActivationFunction.Relu6, LayerRoles.ActivationOf(new ReLU(maxValue: 6)));
        Assert.Equal(ActivationFunction.LeakyRelu, LayerRoles.ActivationOf(new ReLU(negativeSlope: 0.1)));
        Assert.Equal(ActivationFunction.Relu, LayerRoles.ActivationOf(new ReLU(maxValue: 2, threshold: 0.5)));
        Assert.Equal(ActivationFunction.LeakyRelu, LayerRoles.ActivationOf(new LeakyReLU()));
        Assert.Equal(ActivationFunction.Elu, LayerRoles.ActivationOf(new ELU(0.5)));
        Assert.Equal(ActivationFunction.Softmax, LayerRoles.ActivationOf(new Softmax()));
        Assert.Null(LayerRoles.ActivationOf(new PReLU()));

        // A Softmax layer ends in probabilities: a from_logits loss after it is the known mistake.
        Layer[] layers = [new Dense(3, name: "logits"), new Softmax(name: "probabilities")];
        var findings = Linter.Lint(layers, [-1, 4], new LintContext { Loss = new CategoricalCrossentropy(fromLogits: true) });
        var finding = Assert.Single(findings, f => f.RuleId == LintRules.LossOutputMismatchId);
        Assert.Contains("'probabilities' already applies softmax", finding.Message);
        Assert.DoesNotContain(Linter.Lint(layers, [-1, 4], new LintContext { Loss = new CategoricalCrossentropy() }), f => f.RuleId == LintRules.LossOutputMismatchId);
    }

    [Fact]
    public void AModelOfActivationLayersSavesAndLoads()
    {
        var model = new Sequential([
            new InputLayer([-1, 6]), new Dense(8, "mish"), new PReLU(), new Dense(8, "hard_silu"), new ReLU(maxValue: 6),
            new Dense(6, "swish"), new LeakyReLU(), new ELU(0.7), new Dense(4, "log_softmax"), new Softmax(),
        ], seed: 2);
        string path = Path.Combine(Path.GetTempPath(), $"strata-activation-layers-{Guid.NewGuid():N}.strata");
        try
        {
            model.Save(path);
            var loaded = Sequential.Load(path);
            Assert.Equal(model.GetConfig().ToJsonString(), loaded.GetConfig().ToJsonString());
            var x = TestSupport.Random(3, 1.0, 5, 6);
            TestSupport.AssertClose(model.Predict(x).Data, loaded.Predict(x).Data, 0);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
