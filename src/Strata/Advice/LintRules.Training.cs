using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Tensors;
using Strata.Training.Losses;
using static Strata.Advice.LayerRoles;

namespace Strata.Advice;

/// <summary>The rules that also need the loss, the fit settings or the data.</summary>
internal static partial class LintRules
{
    public const string LossOutputMismatchId = "loss-output-mismatch";
    public const string BatchNormSmallBatchId = "batchnorm-small-batch";
    public const string BatchNormFewUpdatesId = "batchnorm-few-updates";
    public const string BatchNormUnsynchronizedRanksId = "batchnorm-unsynchronized-ranks";
    public const string UnscaledInputsId = "unscaled-inputs";

    /// <summary>Below this many samples per batch, batch statistics are too noisy (Wu and He 2018, figure 1).</summary>
    public const int SmallBatch = 16;

    /// <summary>The share of the initial moving statistics (mean 0, variance 1) still tolerated at the end of training.</summary>
    public const double InitialShareLimit = 0.05;

    /// <summary>Feature ranges that differ by more than this factor, or values beyond this magnitude, count as unscaled.</summary>
    public const double ScaleLimit = 100;

    public static IEnumerable<LintFinding> LossOutputMismatch(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        if (context.Loss is not { } loss || model.Count == 0) yield break;
        var output = model.LastOrDefault(l => ActivationOf(l.Layer) is not null);
        if (output is null) yield break;
        var activation = ActivationOf(output.Layer)!.Value;
        // hard_sigmoid also ends in [0, 1], so binary cross-entropy without logits is right for it.
        bool probabilities = activation is ActivationFunction.Sigmoid or ActivationFunction.HardSigmoid or ActivationFunction.Softmax;
        int? units = model[^1].OutputShape?[^1];
        var (fromLogits, className) = loss switch
        {
            BinaryCrossentropy b => ((bool?)b.FromLogits, "BinaryCrossentropy"),
            CategoricalCrossentropy c => (c.FromLogits, "CategoricalCrossentropy"),
            SparseCategoricalCrossentropy s => (s.FromLogits, "SparseCategoricalCrossentropy"),
            _ => ((bool?)null, ""),
        };
        string act = Describe(activation);
        const string reference = "Keras losses documentation (from_logits); Bridle, \"Probabilistic interpretation of feedforward classification network outputs\", 1990";
        Action<ModelDraft> SetFromLogits(bool value) => draft =>
            draft.Loss = new JsonObject { ["class_name"] = className, ["config"] = new JsonObject { ["from_logits"] = value } };

        if (fromLogits == true && probabilities)
            yield return new LintFinding(LossOutputMismatchId, LintSeverity.Error, [output.Ref],
                $"The loss {loss.Name} takes logits (from_logits=true) but '{output.Layer.Name}' already applies {act}.",
                $"The loss applies {act} again to values that are already probabilities, so the model is trained on a squashed, nearly flat loss and its outputs are not calibrated.",
                "Set from_logits=false in the loss, or make the output layer linear.",
                reference)
            { Fix = SetFromLogits(false) };
        else if (fromLogits == false && !probabilities)
            yield return new LintFinding(LossOutputMismatchId, LintSeverity.Error, [output.Ref],
                $"The loss {loss.Name} expects probabilities but '{output.Layer.Name}' outputs {act} values.",
                "Cross-entropy takes the logarithm of its input; unbounded outputs are clipped or give NaN, and the model is not trained toward probabilities.",
                "Set from_logits=true in the loss (numerically the most stable), or end with sigmoid/softmax.",
                reference)
            { Fix = SetFromLogits(true) };
        if (loss is CategoricalCrossentropy or SparseCategoricalCrossentropy && units == 1)
            yield return new LintFinding(LossOutputMismatchId, LintSeverity.Error, [model[^1].Ref],
                $"The loss {loss.Name} needs one output per class, but the model outputs 1 unit.",
                "Softmax over a single unit is always 1, so nothing can be learnt.",
                "Give the output layer one unit per class, or use binary_crossentropy with a sigmoid output for two classes.",
                reference);
        if (loss is MeanAbsoluteError or MeanSquaredError or Huber)
        {
            if (activation == ActivationFunction.Softmax && units > 1)
                yield return new LintFinding(LossOutputMismatchId, LintSeverity.Warning, [output.Ref],
                    $"A regression loss ({loss.Name}) on softmax outputs.",
                    "Softmax outputs sum to 1; a regression loss on them rarely means what was intended, and for classes cross-entropy trains faster and better.",
                    "Use categorical_crossentropy for classes, or a linear output for regression.",
                    reference);
            if (activation == ActivationFunction.Sigmoid && context.TargetRange is { } range && (range.Min < 0 || range.Max > 1))
                yield return new LintFinding(LossOutputMismatchId, LintSeverity.Error, [output.Ref],
                    $"'{output.Layer.Name}' ends with sigmoid (outputs in 0..1) but the targets range from {N(range.Min)} to {N(range.Max)}.",
                    "The model cannot reach targets outside (0, 1); the loss stays high and the gradients vanish as the sigmoid saturates.",
                    $"Make '{output.Layer.Name}' linear, or scale the targets into [0, 1].",
                    reference)
                {
                    Fix = output.Layer is Activation
                        ? draft => draft.Remove(output.Layer.Name)
                        : draft => draft.Set(output.Layer.Name, "activation", "linear"),
                };
        }
    }

    public static IEnumerable<LintFinding> BatchNormSmallBatch(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        if (context.BatchSize is not int batch || batch >= SmallBatch) yield break;
        foreach (var l in model.Where(l => l.Layer is BatchNormalization { Config.Renorm: false }))
        {
            var bn = (BatchNormalization)l.Layer;
            int? channels = l.InputShape?[^1];
            bool spatial = l.InputShape is { Count: > 2 };
            var config = new JsonObject { ["epsilon"] = bn.Epsilon, ["center"] = bn.Config.ScaleAndCenter.Center, ["scale"] = bn.Config.ScaleAndCenter.Scale };
            string replacement = spatial && channels is int c ? "GroupNormalization" : "LayerNormalization";
            if (replacement == "GroupNormalization") config["groups"] = LargestDivisorUpTo(channels!.Value, 32);
            yield return new LintFinding(BatchNormSmallBatchId, LintSeverity.Warning, [l.Ref],
                $"BatchNormalization '{bn.Name}' is trained on batches of {batch} samples.",
                $"With fewer than {SmallBatch} samples the batch mean and variance are noisy, so training normalizes with noise that inference does not have and the moving averages average that noise; accuracy falls quickly as batches shrink.",
                $"Use {replacement} (independent of the batch), BatchNormalization(renorm=true), or a batch size of {SmallBatch} or more.",
                "Wu and He, \"Group Normalization\", ECCV 2018; Ioffe, \"Batch Renormalization\", NeurIPS 2017")
            { Fix = draft => draft.Replace(bn.Name, replacement, config) };
        }
    }

    public static IEnumerable<LintFinding> BatchNormUnsynchronizedRanks(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        if (context.Ranks is not int ranks || ranks < 2 || context.BatchSize is not int batch) yield break;
        // The smallest block a rank gets of a batch (FitDistribution.Share).
        int rows = batch / ranks;
        if (rows >= SmallBatch || batch < SmallBatch) yield break;
        foreach (var l in model.Where(l => l.Layer is BatchNormalization { Config.Synchronized: false, Config.Renorm: false }))
        {
            var bn = (BatchNormalization)l.Layer;
            yield return new LintFinding(BatchNormUnsynchronizedRanksId, LintSeverity.Warning, [l.Ref],
                $"BatchNormalization '{bn.Name}' is not synchronized, and each of the {ranks} ranks normalizes its own {rows} or so of the batch's {batch} rows.",
                $"Without synchronization every rank takes the mean and variance of its own block, as Keras and PyTorch do: with fewer than {SmallBatch} rows they are noisy, and the model differs from the one a single process trains on the same batches.",
                "Set synchronized=true (the statistics of the whole batch, merged over the ranks), or use fewer ranks or a larger batch.",
                "Keras BatchNormalization(synchronized=True); PyTorch SyncBatchNorm; Wu and He, \"Group Normalization\", ECCV 2018")
            { Fix = draft => draft.ConfigOf(draft.IndexOf(bn.Name))["synchronized"] = true };
        }
    }

    public static IEnumerable<LintFinding> BatchNormFewUpdates(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        if (context.Steps is not long steps || steps <= 0) yield break;
        foreach (var l in model.Where(l => l.Layer is BatchNormalization { Config.MovingStatistics: not MovingStatistics.Cumulative }))
        {
            var bn = (BatchNormalization)l.Layer;
            double initialShare = Math.Pow(bn.Momentum, steps);
            if (initialShare <= InitialShareLimit) continue;
            // The largest two-decimal momentum that leaves at most 1% of the initial values.
            double momentum = Math.Floor(100 * Math.Pow(0.01, 1.0 / steps)) / 100;
            yield return new LintFinding(BatchNormFewUpdatesId, LintSeverity.Warning, [l.Ref],
                $"BatchNormalization '{bn.Name}' (momentum {N(bn.Momentum)}) gets {steps} updates of its moving statistics; {N(initialShare * 100, "0")}% of them will still be the initial mean 0 and variance 1.",
                "The moving averages start at mean 0 and variance 1 and move by (1 - momentum) of the way per training step; after too few steps inference normalizes with statistics the data never had.",
                $"Lower momentum to {N(momentum)} or below, train longer, or recompute the statistics after training with RecalibrateBatchNorm.",
                "Wu and Johnson, \"Rethinking 'Batch' in BatchNorm\", 2021")
            { Fix = momentum > 0 ? draft => draft.Set(bn.Name, "momentum", momentum) : null };
        }
    }

    public static IEnumerable<LintFinding> UnscaledInputs(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        if (context.Features is not { } stats || stats.Names.Count == 0) yield break;
        var first = model.FirstOrDefault(l => !IsDropoutFamily(l.Layer) && l.Layer is not (Flatten or Reshape));
        if (first is null || Normalizes(first.Layer)) yield break;
        var ranges = Enumerable.Range(0, stats.Names.Count).Select(stats.Range).ToArray();
        var positive = ranges.Where(r => r > 0).ToArray();
        if (positive.Length == 0) yield break;
        int widest = Array.IndexOf(ranges, positive.Max()), narrowest = Array.IndexOf(ranges, positive.Min());
        double ratio = ranges[widest] / ranges[narrowest];
        var magnitude = Enumerable.Range(0, ranges.Length).Select(j => Math.Max(Math.Abs(stats.Min[j]), Math.Abs(stats.Max[j]))).ToArray();
        int largest = Array.IndexOf(magnitude, magnitude.Max());
        if (ratio <= ScaleLimit && magnitude[largest] <= ScaleLimit) yield break;
        string detail = ratio > ScaleLimit
            ? $"'{stats.Names[widest]}' spans {N(ranges[widest])} while '{stats.Names[narrowest]}' spans {N(ranges[narrowest])} ({N(ratio, "#,0")} times as wide)"
            : $"'{stats.Names[largest]}' reaches {N(magnitude[largest])}";
        var mean = new JsonArray(stats.Mean.Select(m => (JsonNode)Math.Round(m, 6)).ToArray());
        var variance = new JsonArray(stats.Variance.Select(v => (JsonNode)double.Parse(v.ToString("G7", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        yield return new LintFinding(UnscaledInputsId, LintSeverity.Warning, [first.Ref],
            $"The input features are not on one scale: {detail}, and '{first.Layer.Name}' takes them as they are.",
            "Gradient steps are shared by all weights, so a feature with a large scale dominates the first layer's pre-activations and its gradients: training is slow, needs a tiny learning rate, or diverges (as plain SGD does on the raw Concrete data).",
            "Put Normalization (adapted to the training data) or BatchNormalization first.",
            "LeCun, Bottou, Orr and Müller, \"Efficient BackProp\", 1998, section 4.3")
        { Fix = draft => draft.InsertAt(0, "Normalization", new JsonObject { ["axis"] = -1, ["mean"] = mean.DeepClone(), ["variance"] = variance.DeepClone() }) };
    }

    private static string N(double value, string format = "G4") => value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    private static int LargestDivisorUpTo(int n, int limit)
    {
        for (int g = Math.Min(n, limit); g > 1; g--) if (n % g == 0) return g;
        return 1;
    }
}
