using System.Text.Json.Nodes;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Recurrent;
using Strata.Layers.Regularization;
using static Strata.Advice.LayerRoles;

namespace Strata.Advice;

/// <summary>The rules about dropout and normalization in stacks of recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional).</summary>
internal static partial class LintRules
{
    public const string DropoutBetweenRecurrentLayersId = "dropout-between-recurrent-layers";
    public const string BatchNormInRecurrentStackId = "batchnorm-in-recurrent-stack";
    public const string DropoutBeforeRecurrentHeadId = "dropout-before-recurrent-head";

    /// <summary>From this rate on, dropout on a recurrent layer's last output before the head is reported.</summary>
    public const double RecurrentHeadRateLimit = 0.5;

    /// <summary>The rate the fix of <see cref="DropoutBeforeRecurrentHeadId"/> sets.</summary>
    public const double RecurrentHeadRate = 0.3;

    private const string VariationalDropoutPaper = "Gal and Ghahramani, \"A Theoretically Grounded Application of Dropout in Recurrent Neural Networks\", NeurIPS 2016; Zaremba, Sutskever and Vinyals, \"Recurrent Neural Network Regularization\", 2014";

    public static IEnumerable<LintFinding> DropoutBetweenRecurrentLayers(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        foreach (var d in model.Where(l => l.InputShape is { Count: 3 } && (IsElementWiseDropout(l.Layer, l.InputShape) || l.Layer is GaussianDropout)))
        {
            if (Beside(model, d.Index, -1) is not { } from || RecurrentConfigOf(from.Layer) is not { ReturnSequences: true }) continue;
            if (Beside(model, d.Index, +1) is not { } to || RecurrentConfigOf(to.Layer) is not { } next) continue;
            double rate = DropRate(d.Layer) ?? 0;
            double merged = Math.Max(rate, next.Dropout);
            bool plain = d.Layer is Dropout;
            yield return new LintFinding(DropoutBetweenRecurrentLayersId, LintSeverity.Info, [from.Ref, d.Ref, to.Ref],
                $"{d.Layer.ClassName} '{d.Layer.Name}' between recurrent layers '{from.Layer.Name}' and '{to.Layer.Name}' draws a new mask at every time step.",
                $"A {d.Layer.ClassName} layer on a [batch, timesteps, features] sequence drops each feature at some steps and keeps it at others, so '{to.Layer.Name}' sees a feature flicker in and out along the sequence. This per-step dropout on the connections between layers (Zaremba et al. 2014) trains, but Gal and Ghahramani derive dropout for recurrent layers as one mask per sequence, reused at every step (variational dropout), which in their language-model experiments regularized better; the state's connections can only be dropped that way inside the layer.",
                plain
                    ? $"Remove '{d.Layer.Name}' and set dropout={N(merged)} on '{to.Layer.Name}' (the same rate, one mask per sequence); add recurrent_dropout for the state if the model still overfits."
                    : $"Use dropout={N(rate)} on '{to.Layer.Name}' instead (one mask per sequence), and recurrent_dropout for the state.",
                VariationalDropoutPaper)
            {
                Fix = plain ? draft => { draft.Remove(d.Layer.Name); RecurrentArguments(draft, to.Layer)["dropout"] = merged; } : null,
            };
        }
    }

    public static IEnumerable<LintFinding> BatchNormInRecurrentStack(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        foreach (var l in model.Where(l => l.Layer is BatchNormalization && l.InputShape is { Count: 3 }))
        {
            if (Beside(model, l.Index, -1) is not { } from || RecurrentConfigOf(from.Layer) is not { ReturnSequences: true }) continue;
            if (Beside(model, l.Index, +1) is not { } to || RecurrentConfigOf(to.Layer) is null) continue;
            var bn = (BatchNormalization)l.Layer;
            // A mask from Embedding(mask_zero=true) marks padded steps; BatchNormalization passes it on but counts those steps.
            bool padded = model.Take(l.Index).Any(m => m.Layer is Embedding { MaskZero: true });
            var config = new JsonObject { ["epsilon"] = bn.Epsilon, ["center"] = bn.Config.ScaleAndCenter.Center, ["scale"] = bn.Config.ScaleAndCenter.Scale };
            yield return new LintFinding(BatchNormInRecurrentStackId, padded ? LintSeverity.Warning : LintSeverity.Info, [from.Ref, l.Ref, to.Ref],
                $"BatchNormalization '{bn.Name}' normalizes the sequence between recurrent layers '{from.Layer.Name}' and '{to.Layer.Name}'.",
                "On [batch, timesteps, features] BatchNormalization keeps one mean and variance per feature, pooled over every step of every sequence: the first steps (from a zero state) and the late ones are normalized alike although their statistics differ"
                    + (padded ? ", and the padded steps count too (it passes the mask on but does not use it), so the statistics depend on how much padding each batch has." : ", and how many steps a batch has changes them.")
                    + " Layer normalization normalizes each step of each sequence over its own features, the same in training and inference, whatever the batch or the length.",
                $"Replace '{bn.Name}' with LayerNormalization.",
                "Ba, Kiros and Hinton, \"Layer Normalization\", 2016; Cooijmans, Ballas, Laurent, Gülçehre and Courville, \"Recurrent Batch Normalization\", ICLR 2017")
            { Fix = draft => draft.Replace(bn.Name, "LayerNormalization", (JsonObject)config.DeepClone()) };
        }
    }

    public static IEnumerable<LintFinding> DropoutBeforeRecurrentHead(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        foreach (var (d, from, head) in RecurrentHeadDropouts(model))
        {
            double rate = DropRate(d.Layer) ?? 0;
            if (rate < RecurrentHeadRateLimit) continue;
            int units = RecurrentConfigOf(from.Layer)!.Units * (from.Layer is Bidirectional { MergeMode: "concat" } ? 2 : 1);
            yield return new LintFinding(DropoutBeforeRecurrentHeadId, LintSeverity.Info, [from.Ref, d.Ref, head.Ref],
                $"{d.Layer.ClassName} '{d.Layer.Name}' drops {N(rate, "0.##")} of the {units} units that '{from.Layer.Name}' hands to the head '{head.Layer.Name}'.",
                $"Dropout on a recurrent layer's last output, before the Dense head, is the usual place for it and works at moderate rates. But that output is the model's whole summary of the sequence, and at {N(rate, "0.##")} the head sees on average {N(units * (1 - rate), "0.#")} of its {units} units in training; dropout's authors size a layer at n/(1 - rate) units to keep the capacity of n, which a recurrent state of {units} units seldom has to spare.",
                $"Lower the rate to {N(RecurrentHeadRate)}, or widen '{from.Layer.Name}', or regularize inside it (dropout, recurrent_dropout); compare with `strata compare`.",
                DropoutPaper + ", appendix A.1")
            { Fix = draft => draft.Set(d.Layer.Name, "rate", RecurrentHeadRate) };
        }
    }

    /// <summary>
    /// The dropout layers on a recurrent layer's last output (return_sequences=false) whose next weight layer is the
    /// model's last, with that recurrent layer and the head.
    /// </summary>
    private static IEnumerable<(LintedLayer Dropout, LintedLayer Recurrent, LintedLayer Head)> RecurrentHeadDropouts(IReadOnlyList<LintedLayer> model)
    {
        var last = model.LastOrDefault(l => IsWeightLayer(l.Layer));
        foreach (var d in model.Where(l => ZeroesUnits(l.Layer) && l.InputShape is { Count: 2 }))
        {
            if (Beside(model, d.Index, -1) is not { } from || RecurrentConfigOf(from.Layer) is not { ReturnSequences: false }) continue;
            if (Beside(model, d.Index, +1) is not { } head || head != last || head.Layer is not Dense) continue;
            yield return (d, from, head);
        }
    }

    /// <summary>Whether the dropout-rate rule leaves <paramref name="d"/> to <see cref="DropoutBeforeRecurrentHead"/>.</summary>
    private static bool IsRecurrentHeadDropout(IReadOnlyList<LintedLayer> model, LintedLayer d) =>
        RecurrentHeadDropouts(model).Any(h => h.Dropout == d);

    /// <summary>The first layer from <paramref name="index"/> in direction <paramref name="step"/> that is not per-element, or null at the end.</summary>
    private static LintedLayer? Beside(IReadOnlyList<LintedLayer> model, int index, int step)
    {
        for (int j = index + step; j >= 0 && j < model.Count; j += step)
            if (!IsPerElement(model[j].Layer)) return model[j];
        return null;
    }

    /// <summary>The config a recurrent layer's arguments live in within a draft: its own, or its wrapped layer's under a Bidirectional.</summary>
    private static JsonObject RecurrentArguments(ModelDraft draft, Layer layer)
    {
        var config = draft.ConfigOf(draft.IndexOf(layer.Name));
        if (layer is not Bidirectional) return config;
        return config["layer"]?["config"] as JsonObject
            ?? throw new StrataException($"Bidirectional layer '{layer.Name}' has no wrapped layer config to set the dropout of.");
    }
}
