using System.Text.Json.Nodes;
using Strata.Advice;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Recurrent;
using Strata.Layers.Regularization;
using Strata.Runs;
using Xunit;

namespace Strata.Tests.Advice;

/// <summary>The lint rules about recurrent stacks, each on a model where it must fire and on the nearest one where it must not.</summary>
public sealed class RecurrentLintRuleTests
{
    private static readonly int[] Sequence = [-1, 10, 4];
    private static readonly int[] Tokens = [-1, 10];

    private static IReadOnlyList<LintFinding> Lint(int[] input, params Layer[] layers)
    {
        for (int i = 0; i < layers.Length; i++)
            if (layers[i].Name.Length == 0) layers[i].Name = Layer.UniqueName(layers[i].ClassName, layers.Take(i));
        return Linter.Lint(layers, input);
    }

    private static List<LintFinding> Fired(string rule, IReadOnlyList<LintFinding> findings) => findings.Where(f => f.RuleId == rule).ToList();

    /// <summary>Applies <paramref name="finding"/>'s fix to a draft of <paramref name="layers"/> and returns the draft.</summary>
    private static ModelDraft Fixed(LintFinding finding, params Layer[] layers)
    {
        var draft = new ModelDraft(null, layers.Select(LayerRegistry.ToConfig), layers.Select(l => l.Name).ToList(), null);
        Assert.NotNull(finding.Fix);
        finding.Fix!(draft);
        return draft;
    }

    [Fact]
    public void DropoutBetweenRecurrentLayersIsInfoAndItsRateMovesIntoTheNextLayer()
    {
        Layer[] layers = [new LSTM(8, returnSequences: true), new Dropout(0.3), new LSTM(8), new Dense(1)];
        var finding = Assert.Single(Fired("dropout-between-recurrent-layers", Lint(Sequence, layers)));
        Assert.Equal(LintSeverity.Info, finding.Severity);
        Assert.Equal(["lstm", "dropout", "lstm_1"], finding.Layers.Select(l => l.Name));
        Assert.Contains("Gal and Ghahramani", finding.Reference);
        Assert.Contains("dropout=0.3 on 'lstm_1'", finding.Suggestion);
        Assert.Contains("recurrent_dropout", finding.Suggestion);

        var draft = Fixed(finding, layers);
        Assert.Equal(["LSTM", "LSTM", "Dense"], Enumerable.Range(0, draft.Layers.Count).Select(draft.ClassOf));
        Assert.Equal(0.3, draft.ConfigOf(1)["dropout"]!.GetValue<double>());
    }

    [Fact]
    public void TheFixKeepsTheLargerRateAndReachesIntoABidirectionalWrapper()
    {
        Layer[] layers = [new GRU(8, returnSequences: true), new Dropout(0.2), new Activation("relu"), new Bidirectional(new LSTM(4, dropout: 0.1)), new Dense(1)];
        var finding = Assert.Single(Fired("dropout-between-recurrent-layers", Lint(Sequence, layers)));
        Assert.Equal(["gru", "dropout", "bidirectional"], finding.Layers.Select(l => l.Name));
        var draft = Fixed(finding, layers);
        Assert.Equal(["GRU", "Activation", "Bidirectional", "Dense"], Enumerable.Range(0, draft.Layers.Count).Select(draft.ClassOf));
        Assert.Equal(0.2, draft.ConfigOf(2)["layer"]!["config"]!["dropout"]!.GetValue<double>());
        // The fixed draft builds: the wrapped layer reads its new dropout.
        var rebuilt = (Bidirectional)LayerRegistry.FromConfig(draft.Layers[2], 2);
        Assert.Equal(0.2, ((LSTM)rebuilt.ForwardLayer).Config.Dropout);
    }

    [Fact]
    public void DropoutSharedOverTimeOrInsideTheLayerIsNotFlagged()
    {
        const string rule = "dropout-between-recurrent-layers";
        Assert.Empty(Fired(rule, Lint(Sequence, new LSTM(8, returnSequences: true), new LSTM(8, dropout: 0.3, recurrentDropout: 0.3), new Dense(1))));
        // SpatialDropout1D and a noise_shape of [batch, 1, features] keep one mask for the whole sequence.
        Assert.Empty(Fired(rule, Lint(Sequence, new LSTM(8, returnSequences: true), new SpatialDropout1D(0.3), new LSTM(8), new Dense(1))));
        Assert.Empty(Fired(rule, Lint(Sequence, new LSTM(8, returnSequences: true), new Dropout(0.3, [-1, 1, 8]), new LSTM(8), new Dense(1))));
        // After the last recurrent layer, or between a recurrent layer and a Dense one, there is no next recurrent layer.
        Assert.Empty(Fired(rule, Lint(Sequence, new LSTM(8), new Dropout(0.3), new Dense(1))));
        Assert.Empty(Fired(rule, Lint(Sequence, new LSTM(8, returnSequences: true), new Dropout(0.3), new TimeDistributed(new Dense(2)), new Flatten(), new Dense(1))));
    }

    [Fact]
    public void GaussianDropoutBetweenRecurrentLayersIsFlaggedWithoutAnAutomaticFix()
    {
        var finding = Assert.Single(Fired("dropout-between-recurrent-layers", Lint(Sequence, new SimpleRNN(8, returnSequences: true), new GaussianDropout(0.2), new GRU(4), new Dense(1))));
        Assert.Null(finding.Fix);
    }

    [Fact]
    public void BatchNormBetweenRecurrentLayersIsReplacedByLayerNormalization()
    {
        Layer[] layers = [new LSTM(8, returnSequences: true), new BatchNormalization(), new LSTM(8), new Dense(1)];
        var finding = Assert.Single(Fired("batchnorm-in-recurrent-stack", Lint(Sequence, layers)));
        Assert.Equal(LintSeverity.Info, finding.Severity);
        Assert.Equal(["lstm", "batch_normalization", "lstm_1"], finding.Layers.Select(l => l.Name));
        Assert.Contains("LayerNormalization", finding.Suggestion);
        Assert.Contains("Ba, Kiros and Hinton", finding.Reference);
        var draft = Fixed(finding, layers);
        Assert.Equal(["LSTM", "LayerNormalization", "LSTM", "Dense"], Enumerable.Range(0, draft.Layers.Count).Select(draft.ClassOf));
        Assert.IsType<LayerNormalization>(LayerRegistry.FromConfig(draft.Layers[1], 1));
    }

    [Fact]
    public void BatchNormOnPaddedSequencesIsAWarning()
    {
        var finding = Assert.Single(Fired("batchnorm-in-recurrent-stack",
            Lint(Tokens, new Embedding(50, 4, maskZero: true), new GRU(8, returnSequences: true), new BatchNormalization(), new GRU(8), new Dense(1))));
        Assert.Equal(LintSeverity.Warning, finding.Severity);
        Assert.Contains("padded steps", finding.Why);
    }

    [Fact]
    public void LayerNormalizationOrBatchNormOutsideTheStackIsNotFlagged()
    {
        const string rule = "batchnorm-in-recurrent-stack";
        Assert.Empty(Fired(rule, Lint(Sequence, new LSTM(8, returnSequences: true), new LayerNormalization(), new LSTM(8), new Dense(1))));
        Assert.Empty(Fired(rule, Lint(Sequence, new LSTM(8), new BatchNormalization(), new Dense(1))));
        Assert.Empty(Fired(rule, Lint([-1, 8], new Dense(8), new BatchNormalization(), new Dense(1))));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.7)]
    public void HighDropoutOnTheLastRecurrentOutputBeforeTheHeadIsInfoOnce(double rate)
    {
        Layer[] layers = [new LSTM(16), new Dropout(rate), new Dense(1)];
        var findings = Lint(Sequence, layers);
        var finding = Assert.Single(Fired("dropout-before-recurrent-head", findings));
        Assert.Equal(LintSeverity.Info, finding.Severity);
        Assert.Equal(["lstm", "dropout", "dense"], finding.Layers.Select(l => l.Name));
        Assert.Contains("usual place", finding.Why);
        Assert.Contains("of its 16 units", finding.Why);
        // The general rate rule leaves this dropout to the recurrent one: one finding, not two.
        Assert.Empty(Fired("dropout-rate", findings));
        Assert.Equal(0.3, Fixed(finding, layers).ConfigOf(1)["rate"]!.GetValue<double>());
    }

    [Fact]
    public void ModerateDropoutBeforeTheHeadOrDropoutBeforeAHiddenLayerIsNotARecurrentHeadFinding()
    {
        const string rule = "dropout-before-recurrent-head";
        Assert.Empty(Fired(rule, Lint(Sequence, new LSTM(16), new Dropout(0.3), new Dense(1))));
        Assert.Empty(Fired(rule, Lint(Sequence, new LSTM(16), new Dense(8, "relu"), new Dropout(0.5), new Dense(1))));
        // A hidden Dense layer follows, so the dropout does not feed the head; the general rule still judges its rate.
        var hidden = Lint(Sequence, new LSTM(16), new Dropout(0.6), new Dense(8, "relu"), new Dense(1));
        Assert.Empty(Fired(rule, hidden));
        Assert.Single(Fired("dropout-rate", hidden));
    }

    [Fact]
    public void DropoutAfterARecurrentLayerActsOnHiddenUnitsNotOnTheInputs()
    {
        // The recurrent layer's weights mix the inputs, so 0.3 after it is a hidden-unit rate, within 0.5.
        Assert.Empty(Fired("dropout-rate", Lint(Tokens, new Embedding(50, 4), new LSTM(8), new Dropout(0.3), new Dense(1))));
        Assert.Single(Fired("dropout-rate", Lint(Tokens, new Embedding(50, 4), new Dropout(0.3), new LSTM(8), new Dense(1))));
    }

    [Fact]
    public void LintFixRewritesARecurrentStackUntilItIsClean()
    {
        static JsonObject L(string className, JsonObject config) => new() { ["class_name"] = className, ["config"] = config };
        var spec = Cli.CliRunner.SmallRedWineSpec();
        spec["model"] = new JsonObject
        {
            ["class_name"] = "Sequential",
            ["config"] = new JsonObject
            {
                ["name"] = "sequence",
                ["layers"] = new JsonArray(
                    L("InputLayer", new JsonObject { ["batch_shape"] = new JsonArray(null, 10, 4) }),
                    L("LSTM", new JsonObject { ["units"] = 8, ["return_sequences"] = true }),
                    L("Dropout", new JsonObject { ["rate"] = 0.25 }),
                    L("BatchNormalization", new JsonObject()),
                    L("GRU", new JsonObject { ["units"] = 8 }),
                    L("Dropout", new JsonObject { ["rate"] = 0.5 }),
                    L("Dense", new JsonObject { ["units"] = 1 })),
            },
        };
        string dir = Directory.CreateTempSubdirectory("strata-recurrent-fix-").FullName;
        try
        {
            string path = Path.Combine(dir, "sequence.json");
            File.WriteAllText(path, spec.ToJsonString());
            // The rules judged here need no data: an empty context keeps the spec's data unread.
            var result = SpecLinter.Fix(TrainingSpec.Load(path), context: new LintContext());
            Assert.Equal(["batchnorm-in-recurrent-stack", "dropout-before-recurrent-head", "dropout-between-recurrent-layers"], result.Applied.Select(f => f.RuleId).Order(StringComparer.Ordinal));
            Assert.Empty(result.Remaining);
            var layers = result.Spec["model"]!["config"]!["layers"]!.AsArray();
            Assert.Equal(["InputLayer", "LSTM", "LayerNormalization", "GRU", "Dropout", "Dense"], layers.Select(l => l!["class_name"]!.GetValue<string>()));
            Assert.Equal(0.25, layers[3]!["config"]!["dropout"]!.GetValue<double>());
            Assert.Equal(0.3, layers[4]!["config"]!["rate"]!.GetValue<double>());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TheRecurrentRulesAreListed()
    {
        var ids = Linter.Rules.Select(r => r.Id).ToList();
        Assert.Contains("dropout-between-recurrent-layers", ids);
        Assert.Contains("batchnorm-in-recurrent-stack", ids);
        Assert.Contains("dropout-before-recurrent-head", ids);
    }
}
