using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;
using Strata.Training.Optimizers;
using Xunit;
using static Strata.Tests.TestSupport;

namespace Strata.Tests.Training.Optimizers;

/// <summary>
/// SGD (momentum, Nesterov), RMSprop (momentum, centered), Adam and AdamW step by step against
/// Keras 3's update rules (Fixtures/generate_optimizer_fixtures.py writes them as the Keras source
/// has them), Keras's defaults, and the config round trip through <see cref="OptimizerRegistry"/>.
/// </summary>
public sealed class OptimizerTests
{
    private static readonly Lazy<JsonArray> Fixture = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "optimizers.json")))!["cases"]!.AsArray());

    public static TheoryData<string> CaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var c in Fixture.Value) names.Add(c!["name"]!.GetValue<string>());
        return names;
    }

    /// <summary>Applies one step per gradient to a single variable and returns its values after each.</summary>
    private static List<float[]> Steps(Optimizer optimizer, float[] weights, IReadOnlyList<float[]> gradients, IReadOnlyList<double>? learningRates = null)
    {
        var variable = new Variable("kernel", new Tensor([weights.Length], (float[])weights.Clone()), trainable: true);
        var after = new List<float[]>();
        for (int t = 0; t < gradients.Count; t++)
        {
            if (learningRates is not null) optimizer.LearningRate = learningRates[t];
            optimizer.Apply([variable], [new Tensor([weights.Length], gradients[t])]);
            after.Add((float[])variable.Value.Data.Clone());
        }
        return after;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StepsFollowKerasUpdateRules(string name)
    {
        var c = Fixture.Value.Single(x => x!["name"]!.GetValue<string>() == name)!;
        var optimizer = OptimizerRegistry.FromConfig(c["optimizer"]!.DeepClone());
        var gradients = c["gradients"]!.AsArray().Select(Floats).ToList();
        var rates = c["learning_rates"] is JsonArray lr ? lr.Select(v => v!.GetValue<double>()).ToList() : null;
        var after = Steps(optimizer, Floats(c["weights"]), gradients, rates);
        var expected = c["expected"]!.AsArray().Select(Floats).ToList();
        for (int t = 0; t < expected.Count; t++) AssertClose(expected[t], after[t], 2e-6, $"{name}, step {t + 1}");
        Assert.Equal(gradients.Count, optimizer.Iterations);
    }

    [Fact]
    public void NesterovLooksAheadByTheMomentumTimesTheVelocity()
    {
        // By hand, Keras's form with lr 0.1, momentum 0.9, w 1 and gradient 1 twice:
        // v1 = -0.1, w1 = 1 + 0.9·(-0.1) - 0.1 = 0.81; v2 = 0.9·(-0.1) - 0.1 = -0.19, w2 = 0.81 + 0.9·(-0.19) - 0.1 = 0.539.
        var nesterov = Steps(new SGD(0.1, 0.9, nesterov: true), [1f], [[1f], [1f]]);
        Assert.Equal(0.81, nesterov[0][0], 6);
        Assert.Equal(0.539, nesterov[1][0], 6);
        // Plain momentum: w1 = 1 - 0.1 = 0.9, w2 = 0.9 - 0.19 = 0.71.
        var momentum = Steps(new SGD(0.1, 0.9), [1f], [[1f], [1f]]);
        Assert.Equal(0.9, momentum[0][0], 6);
        Assert.Equal(0.71, momentum[1][0], 6);
    }

    [Fact]
    public void RMSpropReproducesTheKerasDocstringExample()
    {
        // keras.optimizers.RMSprop(learning_rate=0.1) on loss var²/2 from var = 10 gives 9.683772
        // (the example in Keras's docstring): 10 - 0.1·10/√(0.1·10² + 1e-7).
        var after = Steps(new RMSprop(learningRate: 0.1), [10f], [[10f]]);
        Assert.Equal(9.683772, after[0][0], 5);
    }

    [Fact]
    public void AdamWDecaysByTheCurrentLearningRateTimesKerassDefaultWeightDecay()
    {
        // With no gradient only the decoupled decay acts: w ← w·(1 − lr·0.004), at the rate of each step.
        var optimizer = new AdamW(learningRate: 0.5);
        Assert.Equal(0.004, optimizer.WeightDecay);
        var after = Steps(optimizer, [2f, -4f], [[0f, 0f], [0f, 0f], [0f, 0f]], [0.5, 0.5, 2.0]);
        double factor = (1 - 0.5 * 0.004) * (1 - 0.5 * 0.004) * (1 - 2.0 * 0.004);
        Assert.Equal(2 * factor, after[2][0], 6);
        Assert.Equal(-4 * factor, after[2][1], 6);
    }

    [Fact]
    public void ConstructorsAndBareNamesGiveKerasDefaults()
    {
        // The defaults of keras/src/optimizers/{sgd,rmsprop,adam,adamw}.py.
        foreach (var sgd in new[] { new SGD(), (SGD)OptimizerRegistry.FromConfig("sgd") })
        {
            Assert.Equal(0.01, sgd.LearningRate);
            Assert.Equal(0.0, sgd.Momentum);
            Assert.False(sgd.Nesterov);
        }
        foreach (var rms in new[] { new RMSprop(), (RMSprop)OptimizerRegistry.FromConfig("rmsprop") })
        {
            Assert.Equal(0.001, rms.LearningRate);
            Assert.Equal(0.9, rms.Rho);
            Assert.Equal(0.0, rms.Momentum);
            Assert.Equal(1e-7, rms.Epsilon);
            Assert.False(rms.Centered);
        }
        foreach (var adam in new[] { new Adam(), (Adam)OptimizerRegistry.FromConfig("adam") })
        {
            Assert.Equal(0.001, adam.LearningRate);
            Assert.Equal(0.9, adam.Beta1);
            Assert.Equal(0.999, adam.Beta2);
            Assert.Equal(1e-7, adam.Epsilon);
        }
        foreach (var adamw in new[] { new AdamW(), (AdamW)OptimizerRegistry.FromConfig("adamw") })
        {
            Assert.Equal(0.001, adamw.LearningRate);
            Assert.Equal(0.004, adamw.WeightDecay);
            Assert.Equal(1e-7, adamw.Epsilon);
        }
    }

    public static TheoryData<string> NonDefaultConfigs() => new()
    {
        """{"class_name": "SGD", "config": {"learning_rate": 0.2, "momentum": 0.7, "nesterov": true}}""",
        """{"class_name": "RMSprop", "config": {"learning_rate": 0.03, "rho": 0.8, "momentum": 0.6, "epsilon": 0.001, "centered": true}}""",
        """{"class_name": "Adam", "config": {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-05}}""",
        """{"class_name": "AdamW", "config": {"learning_rate": 0.04, "weight_decay": 0.05, "beta_1": 0.85, "beta_2": 0.95, "epsilon": 1e-06}}""",
    };

    [Theory]
    [MemberData(nameof(NonDefaultConfigs))]
    public void ConfigRoundTripsWithNonDefaultValues(string json)
    {
        var source = JsonNode.Parse(json)!.AsObject();
        var optimizer = OptimizerRegistry.FromConfig(source.DeepClone());
        Assert.Equal(source["class_name"]!.GetValue<string>(), optimizer.ClassName);
        var config = optimizer.GetConfig();
        // Every value given comes back under its Keras key.
        foreach (var (key, value) in source["config"]!.AsObject())
        {
            Assert.True(config[key] is not null, $"the config has no '{key}'");
            if (value!.GetValueKind() == System.Text.Json.JsonValueKind.Number) Assert.Equal(value.GetValue<double>(), config[key]!.GetValue<double>());
            else Assert.Equal(value.ToJsonString(), config[key]!.ToJsonString());
        }
        Assert.Equal(optimizer.ClassName.ToLowerInvariant(), config["name"]!.GetValue<string>());

        var again = OptimizerRegistry.FromConfig(new JsonObject { ["class_name"] = optimizer.ClassName, ["config"] = config.DeepClone() });
        Assert.Equal(optimizer.GetType(), again.GetType());
        Assert.Equal(config.ToJsonString(), again.GetConfig().ToJsonString());
        // The same steps from the same start: nothing was lost on the way.
        float[] w = [0.5f, -1f, 2f];
        float[][] g = [[0.3f, -0.2f, 1f], [0.1f, 0.4f, -0.6f], [-0.2f, 0.1f, 0.4f]];
        Assert.Equal(Steps(optimizer, w, g)[^1], Steps(again, w, g)[^1]);
    }

    [Theory]
    [InlineData("""{"class_name": "SGD", "config": {"weight_decay": 0.01}}""", "weight_decay")]
    [InlineData("""{"class_name": "RMSprop", "config": {"weight_decay": 0.01}}""", "weight_decay")]
    [InlineData("""{"class_name": "Adam", "config": {"weight_decay": 0.01}}""", "weight_decay")]
    [InlineData("""{"class_name": "SGD", "config": {"momentum": 1.5}}""", "momentum")]
    [InlineData("""{"class_name": "RMSprop", "config": {"rho": 1.0}}""", "rho")]
    [InlineData("""{"class_name": "AdamW", "config": {"weight_decay": -0.1}}""", "weight_decay")]
    [InlineData("""{"class_name": "Adam", "config": {"learning_rate": 0}}""", "learning_rate")]
    [InlineData("""{"class_name": "Adagrad", "config": {}}""", "Adagrad")]
    public void ArgumentsItCannotHonourAreErrorsNamingThem(string json, string named)
    {
        var e = Assert.Throws<StrataException>(() => OptimizerRegistry.FromConfig(JsonNode.Parse(json)));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void KerasConfigsWithoutWeightDecayStillLoad()
    {
        // Keras writes "weight_decay": null for optimizers other than AdamW; that asks for nothing.
        var sgd = OptimizerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "SGD", "config": {"learning_rate": 0.1, "weight_decay": null}}"""));
        Assert.Equal(0.1, sgd.LearningRate);
        var rms = OptimizerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "RMSprop", "config": {"weight_decay": 0}}"""));
        Assert.IsType<RMSprop>(rms);
    }
}
