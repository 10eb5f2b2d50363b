using System.Text.Json.Nodes;
using Strata.Runs;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Training.Losses;

namespace Strata.Advice;

/// <summary>What <see cref="SpecLinter.Fix"/> did: the corrected spec, the fixes applied in order, and what is left.</summary>
public sealed record SpecFixResult(JsonObject Spec, IReadOnlyList<LintFinding> Applied, IReadOnlyList<LintFinding> Remaining);

/// <summary>
/// Lints a training spec with everything it says: the layers, the loss, the fit settings and the
/// statistics of its training rows; and writes the fixes back into a corrected spec.
/// </summary>
public static class SpecLinter
{
    /// <summary>The facts the data- and fit-aware rules use, read from the spec and its data.</summary>
    public static LintContext ContextFor(TrainingSpec spec, SpecData? data = null)
    {
        data ??= SpecData.Load(spec);
        bool table = spec.Dataset is null;
        var y = data.TrainY;
        return new LintContext
        {
            Loss = LossRegistry.FromConfig(spec.Loss),
            BatchSize = spec.BatchSize,
            Epochs = spec.Epochs,
            TrainingRows = data.TrainX.Dim(0),
            Features = table ? FeatureStatistics.Of(data.TrainX, data.FeatureNames) : null,
            TargetRange = table && y.Size > 0 ? (y.Data.Min(), y.Data.Max()) : null,
        };
    }

    /// <summary>
    /// The findings for the spec's model; <paramref name="context"/> defaults to <see cref="ContextFor"/> of the
    /// spec, which loads its data.
    /// </summary>
    public static IReadOnlyList<LintFinding> Lint(TrainingSpec spec, LintContext? context = null) =>
        Lint(spec.Model, context ?? ContextFor(spec)).Findings;

    /// <summary>
    /// The corrected spec is named "NAME-fixed". Applies, one at a time and re-linting after each, the fix of every finding at or above
    /// <paramref name="minimum"/> (and among <paramref name="rules"/>, when given) until none is left.
    /// </summary>
    public static SpecFixResult Fix(TrainingSpec spec, LintSeverity minimum = LintSeverity.Info, IReadOnlySet<string>? rules = null, LintContext? context = null)
    {
        context ??= ContextFor(spec);
        var model = (JsonObject)spec.Model.DeepClone();
        JsonNode? loss = spec.Loss.DeepClone();
        var applied = new List<LintFinding>();
        bool Wanted(LintFinding f) => f.Fix is not null && f.Severity >= minimum && (rules is null || rules.Contains(f.RuleId));
        // Each fix can change what the others see, so lint again after every one; the bound stops fixes that undo each other.
        for (int round = 0; round < 100; round++)
        {
            var (findings, draft) = Lint(model, context with { Loss = LossRegistry.FromConfig(loss) }, loss);
            var next = findings.FirstOrDefault(Wanted);
            if (next is null) break;
            next.Fix!(draft);
            applied.Add(next);
            LayersOf(model).Config["layers"] = draft.ToLayersArray();
            loss = draft.Loss;
        }
        var remaining = Lint(model, context with { Loss = LossRegistry.FromConfig(loss) }, loss).Findings;
        var result = (JsonObject)spec.Source.DeepClone();
        result["model"] = model;
        if (result["compile"] is JsonObject compile) compile["loss"] = loss?.DeepClone();
        // Another name, so training the fixed spec makes a run of its own beside the original's.
        result["name"] = spec.Name + "-fixed";
        return new SpecFixResult(result, applied, remaining);
    }

    private static (IReadOnlyList<LintFinding> Findings, ModelDraft Draft) Lint(JsonObject model, LintContext context, JsonNode? loss = null)
    {
        var (_, layersJson) = LayersOf(model);
        JsonObject? input = null;
        var layers = new List<Layer>();
        var configs = new List<JsonObject>();
        int[]? inputShape = null;
        for (int i = 0; i < layersJson.Count; i++)
        {
            var layer = LayerRegistry.FromConfig(layersJson[i], i);
            if (layer is InputLayer inputLayer)
            {
                if (i != 0) throw new StrataException($"Layer {i}: an InputLayer can only be the first layer of a Sequential model.");
                input = (JsonObject)layersJson[i]!;
                inputShape = inputLayer.BatchShape.ToArray();
                continue;
            }
            if (string.IsNullOrEmpty(layer.Name)) layer.Name = Layer.UniqueName(layer.ClassName, layers);
            else if (layers.Any(l => l.Name == layer.Name))
                throw new StrataException($"Layer {i}: the name '{layer.Name}' is used twice; layer names must be unique.");
            layers.Add(layer);
            configs.Add((JsonObject)layersJson[i]!);
        }
        if (inputShape is null && context.Features is { } features) inputShape = [-1, features.Names.Count];
        var findings = Linter.Lint(layers, inputShape, context);
        return (findings, new ModelDraft(input, configs, layers.Select(l => l.Name).ToList(), loss));
    }

    private static (JsonObject Config, JsonArray Layers) LayersOf(JsonObject model)
    {
        var config = model["class_name"] is null ? model : model["config"] as JsonObject ?? throw new StrataException("The model config has no \"config\" object.");
        return (config, config["layers"] as JsonArray ?? throw new StrataException("The model config has no \"layers\" list."));
    }
}
