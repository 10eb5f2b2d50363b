using System.Text.Json.Nodes;
using Strata.Runs;
using Strata.Tests.Cli;
using Xunit;

namespace Strata.Tests.Runs;

/// <summary>
/// Strict specs: every unknown key is an error naming it, where it is and the closest known key;
/// keys Keras writes are accepted; an input shape on the first layer is honoured and checked.
/// </summary>
public sealed class TrainingSpecTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-spec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(JsonObject spec, string name = "spec.json")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, spec.ToJsonString());
        return path;
    }

    /// <summary>Layer <paramref name="index"/> of the Red Wine example: 0 its InputLayer, 1 the first Dense, 2 the first Dropout.</summary>
    private static JsonObject Layer(JsonObject spec, int index) => spec["model"]!["config"]!["layers"]![index]!.AsObject();

    private StrataException Refused(Action<JsonObject> change)
    {
        var spec = CliRunner.SmallRedWineSpec(epochs: 1);
        change(spec);
        return Assert.Throws<StrataException>(() => TrainingSpec.Load(Write(spec)));
    }

    [Fact]
    public void ReproducibleSumsAreReadFromFitAndOffByDefault()
    {
        var spec = CliRunner.SmallRedWineSpec(epochs: 1);
        Assert.False(TrainingSpec.Load(Write(spec)).ReproducibleSums);
        spec["fit"]!["reproducible_sums"] = true;
        Assert.True(TrainingSpec.Load(Write(spec, "reproducible.json")).ReproducibleSums);
        spec["fit"]!["reproducible_sums"] = "yes";
        Assert.Contains("reproducible_sums", Assert.Throws<StrataException>(() => TrainingSpec.Load(Write(spec, "wrong.json"))).Message);
    }

    public static TheoryData<string, string, string, string> Misspellings => new()
    {
        // where the key goes, the misspelled key, the words the error must hold, the suggestion
        { "top", "fitt", "Unknown key 'fitt' at the top level", "did you mean 'fit'?" },
        { "data", "validation_splt", "Unknown key 'validation_splt' in \"data\"", "did you mean 'validation_split'?" },
        { "fit", "batchsize", "Unknown key 'batchsize' in \"fit\"", "did you mean 'batch_size'?" },
        { "compile", "metric", "Unknown key 'metric' in \"compile\"", "did you mean 'metrics'?" },
        { "layer", "rat", "Unknown argument 'rat' of Dropout layer 'dropout'", "did you mean 'rate'?" },
        { "callback", "patiense", "Unknown key 'patiense' of callback 0 (EarlyStopping) in \"fit\"", "did you mean 'patience'?" },
        { "optimizer", "learnig_rate", "Unknown argument 'learnig_rate' of Adam (the optimizer in \"compile\")", "did you mean 'learning_rate'?" },
        { "loss", "delt", "Unknown argument 'delt' of Huber (the loss in \"compile\")", "did you mean 'delta'?" },
        { "initializer", "stdev", "Unknown argument 'stdev' of RandomNormal", "did you mean 'stddev'?" },
    };

    [Theory]
    [MemberData(nameof(Misspellings))]
    public void AMisspelledKeyAnywhereIsAnErrorNamingItAndTheClosestKnownKey(string where, string key, string message, string suggestion)
    {
        var e = Refused(spec =>
        {
            switch (where)
            {
                case "top": spec[key] = new JsonObject(); break;
                case "data": spec["data"]![key] = 0.3; break;
                case "fit": spec["fit"]![key] = 64; break;
                case "compile": spec["compile"]![key] = new JsonArray("mae"); break;
                case "layer": Layer(spec, 2)["config"]![key] = 0.3; break;
                case "callback":
                    spec["fit"]!["callbacks"] = new JsonArray(new JsonObject { ["class_name"] = "EarlyStopping", ["config"] = new JsonObject { [key] = 5 } });
                    break;
                case "optimizer": spec["compile"]!["optimizer"] = new JsonObject { ["class_name"] = "Adam", ["config"] = new JsonObject { [key] = 0.01 } }; break;
                case "loss": spec["compile"]!["loss"] = new JsonObject { ["class_name"] = "Huber", ["config"] = new JsonObject { [key] = 2.0 } }; break;
                case "initializer":
                    Layer(spec, 1)["config"]!["kernel_initializer"] = new JsonObject { ["class_name"] = "RandomNormal", ["config"] = new JsonObject { [key] = 0.1 } };
                    break;
            }
        });
        Assert.Contains(message, e.Message);
        Assert.Contains(suggestion, e.Message);
        Assert.StartsWith(Path.Combine(_dir, "spec.json"), e.Message);
    }

    [Fact]
    public void AKeyNothingIsCloseToIsNamedWithTheKnownKeysAndNoGuess()
    {
        var e = Refused(spec => spec["fit"]!["xyzzy"] = 1);
        Assert.Contains("Unknown key 'xyzzy' in \"fit\"", e.Message);
        Assert.DoesNotContain("did you mean", e.Message);
        Assert.Contains("Known: batch_size, callbacks, epochs, reproducible_sums, seed, shuffle.", e.Message);
    }

    [Fact]
    public void MisspelledNamesOfLayersOptimizersLossesMetricsAndCallbacksAreAnsweredWithTheClosest()
    {
        Assert.Contains("Unknown layer class 'Dropuot' (layer 1) (did you mean 'Dropout'?)", Refused(s => Layer(s, 1)["class_name"] = "Dropuot").Message);
        Assert.Contains("Unknown optimizer 'adma' (did you mean 'adam'?)", Refused(s => s["compile"]!["optimizer"] = "adma").Message);
        Assert.Contains("Unknown loss 'msa'", Refused(s => s["compile"]!["loss"] = "msa").Message);
        Assert.Contains("Unknown metric 'accuarcy' (did you mean 'accuracy'?)", Refused(s => s["compile"]!["metrics"] = new JsonArray("accuarcy")).Message);
        Assert.Contains("unknown callback 'EarlyStoping' (did you mean 'EarlyStopping'?)",
            Refused(s => s["fit"]!["callbacks"] = new JsonArray(new JsonObject { ["class_name"] = "EarlyStoping" })).Message);
    }

    [Fact]
    public void KerasBookkeepingKeysAreAcceptedAndArgumentsKerasHasButStrataLacksAreRefusedUnlessNeutral()
    {
        var spec = CliRunner.SmallRedWineSpec(epochs: 1);
        var model = spec["model"]!.AsObject();
        model["registered_name"] = null;
        model["build_config"] = new JsonObject { ["input_shape"] = new JsonArray(null, 11) };
        model["compile_config"] = new JsonObject { ["loss"] = "mae" };
        model["config"]!["build_input_shape"] = new JsonArray(null, 11);
        var dense = Layer(spec, 1);
        dense["registered_name"] = null;
        dense["build_config"] = new JsonObject { ["input_shape"] = new JsonArray(null, 11) };
        dense["config"]!["dtype"] = new JsonObject { ["module"] = "keras", ["class_name"] = "DTypePolicy", ["config"] = new JsonObject { ["name"] = "float32" } };
        dense["config"]!["lora_rank"] = null;
        spec["compile"]!["optimizer"] = JsonNode.Parse("""
            {"module": "keras.optimizers", "class_name": "Adam", "registered_name": null, "config": {"name": "adam", "learning_rate": 0.001,
             "weight_decay": null, "clipnorm": null, "global_clipnorm": null, "clipvalue": null, "use_ema": false, "ema_momentum": 0.99,
             "ema_overwrite_frequency": null, "loss_scale_factor": null, "gradient_accumulation_steps": null, "beta_1": 0.9,
             "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": false}}
            """);
        spec["fit"]!["callbacks"] = JsonNode.Parse("""[{"class_name": "EarlyStopping", "config": {"monitor": "val_loss", "patience": 3, "verbose": 1, "baseline": null}}]""");
        Assert.Equal(11, TrainingSpec.Load(Write(spec)).CreateModel([-1, 11]).InputShape![1]);

        Assert.Contains("argument 'clipnorm' of Adam", Refused(s => s["compile"]!["optimizer"] = JsonNode.Parse("""{"class_name": "Adam", "config": {"clipnorm": 1.0}}""")).Message);
        Assert.Contains("key 'baseline' of callback 0 (EarlyStopping) in \"fit\" is not supported",
            Refused(s => s["fit"]!["callbacks"] = JsonNode.Parse("""[{"class_name": "EarlyStopping", "config": {"baseline": 0}}]""")).Message);
    }

    [Theory]
    [InlineData("input_shape", "[11]", true)]
    [InlineData("batch_input_shape", "[null, 11]", true)]
    [InlineData("batch_shape", "[null, 11]", true)]
    [InlineData("input_dim", "11", true)]
    [InlineData("input_shape", "[7]", false)]
    [InlineData("batch_input_shape", "[null, 7]", false)]
    public void AnInputShapeOnTheFirstLayerDeclaresTheInputAndMustAgreeWithTheData(string key, string value, bool agrees)
    {
        var spec = CliRunner.SmallRedWineSpec(epochs: 1);
        // Without the example's InputLayer the first Dense declares the input, as in Keras 2 code.
        spec["model"]!["config"]!["layers"]!.AsArray().RemoveAt(0);
        Layer(spec, 0)["config"]![key] = JsonNode.Parse(value);
        var loaded = TrainingSpec.Load(Write(spec));
        var data = SpecData.Load(loaded);
        // The Red Wine file has 12 columns: 11 features and the quality target.
        Assert.Equal(11, data.TrainX.Dim(1));
        if (agrees)
        {
            var model = loaded.CreateModel(data.TrainX.ShapeArray());
            Assert.Equal([-1, 11], model.InputShape!);
            Assert.Equal(11 * 32 + 32, model.Layers[0].Variables.Sum(v => v.Value.Size));
        }
        else
        {
            var e = Assert.Throws<StrataException>(() => TrainingRun.Execute(loaded, Path.Combine(_dir, "run")));
            Assert.Contains("declares the input shape (None, 7)", e.Message);
            Assert.Contains("gives inputs of shape (None, 11) (11 feature columns)", e.Message);
            Assert.False(Directory.Exists(Path.Combine(_dir, "run")));
        }
    }

    [Fact]
    public void JsonErrorsGiveFileLineAndColumnInTheProjectsWords()
    {
        string path = Path.Combine(_dir, "broken.json");
        File.WriteAllText(path, "{\n  \"name\": \"x\",\n  \"data\": {\"path\": \"a.csv\" \"target\": \"y\"}\n}\n");
        var e = Assert.Throws<StrataException>(() => TrainingSpec.Load(path));
        // The third line, after "a.csv" at column 28: the parser stops at the next token.
        Assert.StartsWith($"{path}:3:", e.Message);
        Assert.Contains("invalid JSON", e.Message);
        Assert.DoesNotContain("LineNumber", e.Message);
        Assert.DoesNotContain("BytePositionInLine", e.Message);

        File.WriteAllText(path, "[1, 2]");
        Assert.Equal($"{path}: the spec must be a JSON object, not a list.", Assert.Throws<StrataException>(() => TrainingSpec.Load(path)).Message);
        Assert.Equal($"Spec file '{_dir}' is a directory, not a file.", Assert.Throws<StrataException>(() => TrainingSpec.Load(_dir)).Message);
    }

    [Fact]
    public void ValuesOfTheWrongTypeAreErrorsNamingTheKey()
    {
        Assert.Contains("'epochs' in \"fit\"", Refused(s => s["fit"]!["epochs"] = "ten").Message);
        Assert.Contains("\"epochs\" in \"fit\" must be a positive integer. Received: 0", Refused(s => s["fit"]!["epochs"] = 0).Message);
        Assert.Contains("'name' at the top level", Refused(s => s["name"] = 5).Message);
        Assert.Contains("\"metrics\" must be a list of metric names", Refused(s => s["compile"]!["metrics"] = new JsonArray(3)).Message);
        Assert.Contains("\"validation_split\" must be at least 0 and below 1", Refused(s => s["data"]!["validation_split"] = 1.5).Message);
    }
}
