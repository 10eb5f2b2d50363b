using Strata.Layers;
using Strata.Models;

namespace Strata.Advice;

/// <summary>A lint rule: its stable id, what it looks for, and the check itself.</summary>
public sealed record LintRule(string Id, string Summary, Func<IReadOnlyList<LintedLayer>, LintContext, IEnumerable<LintFinding>> Check);

/// <summary>
/// The layer-order advisor's static half: checks a model's layers (and, where known, its loss, fit
/// settings and data) against what is known about where Dropout, BatchNormalization, pooling and
/// activations go, and says what to change and why.
/// </summary>
public static class Linter
{
    /// <summary>Every lint rule, in the order findings are reported.</summary>
    public static IReadOnlyList<LintRule> Rules { get; } =
    [
        new(LintRules.BatchNormAfterDropoutId, "BatchNormalization directly after a dropout-family layer (variance shift)", LintRules.BatchNormAfterDropout),
        new(LintRules.BatchNormDownstreamOfDropoutId, "BatchNormalization with dropout upstream and fewer than two weight layers in between", LintRules.BatchNormAfterDropout),
        new(LintRules.DropoutOnFeatureMapsId, "element-wise Dropout on convolutional feature maps", LintRules.DropoutOnFeatureMaps),
        new(LintRules.DropoutBeforeMaxPoolingId, "element-wise Dropout directly before max pooling", LintRules.DropoutBeforeMaxPooling),
        new(LintRules.DropoutBeforeSquashingId, "dropout directly before sigmoid, softmax or tanh", LintRules.DropoutBeforeSquashing),
        new(LintRules.DropoutOnOutputId, "dropout after the last weight layer, on the model's output", LintRules.DropoutOnOutput),
        new(LintRules.BiasBeforeBatchNormId, "a bias in the layer that feeds BatchNormalization (center=true)", LintRules.BiasBeforeBatchNorm),
        new(LintRules.SpatialDropoutWithoutSpatialAxesId, "spatial dropout on an input without spatial axes", LintRules.SpatialDropoutWithoutSpatialAxes),
        new(LintRules.DropoutBetweenRecurrentLayersId, "element-wise Dropout between recurrent layers (a new mask at every time step)", LintRules.DropoutBetweenRecurrentLayers),
        new(LintRules.BatchNormInRecurrentStackId, "BatchNormalization on the sequence between recurrent layers", LintRules.BatchNormInRecurrentStack),
        new(LintRules.DropoutBeforeRecurrentHeadId, "dropout of 0.5 or more on a recurrent layer's last output before the Dense head", LintRules.DropoutBeforeRecurrentHead),
        new(LintRules.DropoutRateId, "dropout rate above 0.2 on the inputs or above 0.5 on hidden units", LintRules.DropoutRate),
        new(LintRules.LossOutputMismatchId, "an output activation that does not fit the loss", LintRules.LossOutputMismatch),
        new(LintRules.BatchNormSmallBatchId, "BatchNormalization trained on batches of fewer than 16 samples", LintRules.BatchNormSmallBatch),
        new(LintRules.BatchNormUnsynchronizedRanksId, "BatchNormalization that is not synchronized, on ranks that each hold fewer than 16 rows of a batch", LintRules.BatchNormUnsynchronizedRanks),
        new(LintRules.BatchNormFewUpdatesId, "moving statistics that see too few updates for their momentum", LintRules.BatchNormFewUpdates),
        new(LintRules.UnscaledInputsId, "input features on very different or large scales, with no normalization first", LintRules.UnscaledInputs),
    ];

    /// <summary>
    /// The findings for <paramref name="layers"/> (the layers after the input layer) with
    /// <paramref name="inputShape"/> (batch axis -1, null when unknown), sorted by layer.
    /// </summary>
    public static IReadOnlyList<LintFinding> Lint(IReadOnlyList<Layer> layers, int[]? inputShape, LintContext? context = null)
    {
        context ??= new LintContext();
        var linted = Walk(layers, inputShape);
        var findings = new List<LintFinding>();
        // Two ids share one check; run each check once.
        foreach (var check in Rules.Select(r => r.Check).Distinct())
            findings.AddRange(check(linted, context));
        return findings
            .OrderBy(f => f.Layers.Count > 0 ? f.Layers.Min(l => l.Index) : -1)
            .ThenByDescending(f => f.Severity)
            .ThenBy(f => f.RuleId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The findings for a model; its loss counts when it is compiled and the context names none.</summary>
    public static IReadOnlyList<LintFinding> Lint(this Sequential model, LintContext? context = null)
    {
        context ??= new LintContext();
        if (context.Loss is null && model.Loss is not null) context = context with { Loss = model.Loss };
        return Lint(model.Layers, model.InputShape?.ToArray(), context);
    }

    /// <summary>Each layer with the shapes it sees; a layer whose shape cannot be inferred passes its input on.</summary>
    private static List<LintedLayer> Walk(IReadOnlyList<Layer> layers, int[]? inputShape)
    {
        var result = new List<LintedLayer>();
        int[]? shape = inputShape;
        for (int i = 0; i < layers.Count; i++)
        {
            int[]? output = null;
            if (layers[i].OutputShape is not null && layers[i].InputShape is not null)
                (shape, output) = (layers[i].InputShape!.ToArray(), layers[i].OutputShape!.ToArray());
            else if (shape is not null)
            {
                try { output = layers[i].ComputeOutputShape(shape); }
                catch (StrataException) { output = shape; }
            }
            result.Add(new LintedLayer(i, layers[i], shape, output));
            shape = output;
        }
        return result;
    }
}
