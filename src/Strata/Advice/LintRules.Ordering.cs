using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using static Strata.Advice.LayerRoles;
using Strata.Tensors;

namespace Strata.Advice;

/// <summary>The rules about the order of dropout, normalization, pooling and activation layers.</summary>
internal static partial class LintRules
{
    public const string BatchNormAfterDropoutId = "batchnorm-after-dropout";
    public const string BatchNormDownstreamOfDropoutId = "batchnorm-downstream-of-dropout";
    public const string DropoutOnFeatureMapsId = "dropout-on-feature-maps";
    public const string DropoutBeforeMaxPoolingId = "dropout-before-max-pooling";
    public const string DropoutBeforeSquashingId = "dropout-before-squashing-activation";
    public const string DropoutOnOutputId = "dropout-on-output";
    public const string BiasBeforeBatchNormId = "bias-before-batchnorm";
    public const string SpatialDropoutWithoutSpatialAxesId = "spatial-dropout-without-spatial-axes";
    public const string DropoutRateId = "dropout-rate";

    private const string VarianceShiftPaper = "Li, Chen, Hu and Yang, \"Understanding the Disharmony between Dropout and Batch Normalization by Variance Shift\", CVPR 2019";
    private const string DropoutPaper = "Srivastava, Hinton, Krizhevsky, Sutskever and Salakhutdinov, \"Dropout: A Simple Way to Prevent Neural Networks from Overfitting\", JMLR 15, 2014";

    public static IEnumerable<LintFinding> BatchNormAfterDropout(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        foreach (var bn in model.Where(l => l.Layer is BatchNormalization))
        {
            var between = new List<LintedLayer>();
            for (int j = bn.Index - 1; j >= 0; j--)
            {
                var layer = model[j];
                if (ShiftsVariance(layer.Layer))
                {
                    var weights = between.Where(b => IsWeightLayer(b.Layer)).ToList();
                    // DropConnect wraps its Dense layer, so moving it would change what it drops.
                    Action<ModelDraft>? fix = layer.Layer is DropConnect ? null : d => d.MoveAfter(layer.Layer.Name, bn.Layer.Name);
                    string noise = layer.Layer is GaussianNoise ? "adds noise" : "scales the kept units by 1/(1 - rate)";
                    if (weights.Count == 0)
                        yield return new LintFinding(BatchNormAfterDropoutId, LintSeverity.Warning, [layer.Ref, bn.Ref],
                            $"BatchNormalization '{bn.Layer.Name}' comes right after {layer.Layer.ClassName} '{layer.Layer.Name}': it learns its moving variance with dropout on and normalizes with it off.",
                            $"In training {layer.Layer.ClassName} {noise}, so the variance BatchNormalization sees is larger than at inference, when the noise is off. The moving variance it stores does not fit inference inputs (variance shift), and every prediction shifts with it.",
                            $"Move '{layer.Layer.Name}' after '{bn.Layer.Name}' (Dense -> BatchNormalization -> Dropout), or keep dropout only after the last BatchNormalization. Measure the shift with `strata diagnose`.",
                            VarianceShiftPaper) { Fix = fix };
                    else if (weights.Count == 1)
                        yield return new LintFinding(BatchNormDownstreamOfDropoutId, LintSeverity.Info, [layer.Ref, weights[0].Ref, bn.Ref],
                            $"BatchNormalization '{bn.Layer.Name}' has {layer.Layer.ClassName} '{layer.Layer.Name}' upstream with only one weight layer ('{weights[0].Layer.Name}') in between.",
                            "A weight layer mixes the dropped and kept units but keeps most of their variance, so the variance shift between training and inference passes through one layer largely intact; it fades only over several layers.",
                            $"Move '{layer.Layer.Name}' after '{bn.Layer.Name}', so dropout follows the last BatchNormalization it would disturb, and compare both orders with `strata compare`.",
                            VarianceShiftPaper) { Fix = fix };
                    break;
                }
                if (Normalizes(layer.Layer)) break;
                between.Add(layer);
                if (between.Count(b => IsWeightLayer(b.Layer)) >= 2) break;
            }
        }
    }

    public static IEnumerable<LintFinding> DropoutOnFeatureMaps(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        foreach (var d in model.Where(l => l.Layer is Dropout && l.InputShape is { Count: >= 3 } && IsElementWiseDropout(l.Layer, l.InputShape)))
        {
            if (!model.Take(d.Index).Any(l => l.Layer is Convolution)) continue;
            int spatial = d.InputShape!.Count - 2;
            double rate = ((Dropout)d.Layer).Rate;
            Action<ModelDraft>? fix = spatial <= 3
                ? draft => draft.Replace(d.Layer.Name, $"SpatialDropout{spatial}D", new JsonObject { ["rate"] = rate })
                : null;
            yield return new LintFinding(DropoutOnFeatureMapsId, LintSeverity.Warning, [d.Ref],
                $"Dropout '{d.Layer.Name}' drops single units of convolutional feature maps of shape {Tensors.ShapeOps.Format(d.InputShape.ToArray())}.",
                "Neighbouring units of a feature map are strongly correlated, so what a dropped unit carried is still there beside it: element-wise dropout barely regularizes convolutional features, while its noise still slows training.",
                $"Use SpatialDropout{spatial}D (drops whole channels){(spatial == 2 ? " or DropBlock2D (drops contiguous blocks)" : "")} with the same rate.",
                "Tompson, Goroshin, Jain, LeCun and Bregler, \"Efficient Object Localization Using Convolutional Networks\", CVPR 2015; Ghiasi, Lin and Le, \"DropBlock\", NeurIPS 2018")
            { Fix = fix };
        }
    }

    public static IEnumerable<LintFinding> DropoutBeforeMaxPooling(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        for (int i = 0; i + 1 < model.Count; i++)
        {
            var d = model[i];
            var pool = model[i + 1];
            if (!IsElementWiseDropout(d.Layer, d.InputShape) || !IsMaxPooling(pool.Layer)) continue;
            yield return new LintFinding(DropoutBeforeMaxPoolingId, LintSeverity.Warning, [d.Ref, pool.Ref],
                $"Dropout '{d.Layer.Name}' comes right before max pooling '{pool.Layer.Name}'.",
                "Max pooling keeps the largest unit of each window, so dropping units before it mostly hands the maximum to the next-largest unit: much of the noise is undone, and the pooled values are biased toward smaller units in training only.",
                $"Move '{d.Layer.Name}' after '{pool.Layer.Name}'; on feature maps, prefer a spatial dropout there. Or replace both with MaxPoolingDropout2D(rate={N(DropRate(d.Layer) ?? 0)}) and the pooling's pool_size: it drops units before the maximum on purpose and, at inference, pools each window by the expectation of that maximum (probabilistic weighted pooling).",
                "Wu and Gu, \"Towards dropout training for convolutional neural networks\", Neural Networks 71, 2015")
            { Fix = draft => draft.MoveAfter(d.Layer.Name, pool.Layer.Name) };
        }
    }

    public static IEnumerable<LintFinding> DropoutBeforeSquashing(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        for (int i = 0; i + 1 < model.Count; i++)
        {
            var d = model[i];
            var next = model[i + 1];
            if (!ZeroesUnits(d.Layer) || next.Layer is not Activation { Function: ActivationFunction.Sigmoid or ActivationFunction.Softmax or ActivationFunction.Tanh } activation) continue;
            bool tanh = activation.Function == ActivationFunction.Tanh;
            bool isOutput = next.Index == model.Count - 1;
            var weightBefore = model.Take(i).LastOrDefault(l => IsWeightLayer(l.Layer));
            Action<ModelDraft> fix = isOutput
                ? weightBefore is null ? draft => draft.Remove(d.Layer.Name) : draft => draft.MoveBefore(d.Layer.Name, weightBefore.Layer.Name)
                : draft => draft.MoveAfter(d.Layer.Name, next.Layer.Name);
            string name = LayerRoles.Describe(activation.Function);
            yield return new LintFinding(DropoutBeforeSquashingId, tanh ? LintSeverity.Info : LintSeverity.Warning, [d.Ref, next.Ref],
                $"{d.Layer.ClassName} '{d.Layer.Name}' comes right before the {name} activation '{next.Layer.Name}'.",
                tanh
                    ? "tanh(0) = 0, so dropped units are removed, but the kept ones are scaled by 1/(1 - rate) before a saturating function: the training outputs no longer average to the inference outputs (the rescaling is exact only for linear parts)."
                    : $"A dropped unit becomes {(activation.Function == ActivationFunction.Sigmoid ? "sigmoid(0) = 0.5" : "a logit of 0, which softmax turns into a share of the probability")}, not 0: the unit is set to a middle value rather than removed, and the kept units are scaled before a saturating function, so training and inference outputs disagree.",
                isOutput
                    ? weightBefore is null ? $"Remove '{d.Layer.Name}'." : $"Apply the dropout to the inputs of '{weightBefore.Layer.Name}' instead."
                    : $"Move '{d.Layer.Name}' after '{next.Layer.Name}', where dropping a unit removes it.",
                DropoutPaper)
            { Fix = fix };
        }
    }

    public static IEnumerable<LintFinding> DropoutOnOutput(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        int lastWeight = model.LastOrDefault(l => IsWeightLayer(l.Layer))?.Index ?? -1;
        foreach (var d in model.Where(l => l.Index > lastWeight && IsDropoutFamily(l.Layer)))
            yield return new LintFinding(DropoutOnOutputId, LintSeverity.Warning, [d.Ref],
                $"{d.Layer.ClassName} '{d.Layer.Name}' acts on the model's output: no weight layer follows it.",
                "No layer after it can learn to work with the noise: in training the predictions themselves are randomly dropped or perturbed and the loss is computed on that noise, while at inference the layer does nothing.",
                $"Remove '{d.Layer.Name}', or move it before the last weight layer.",
                DropoutPaper)
            { Fix = draft => draft.Remove(d.Layer.Name) };
    }

    public static IEnumerable<LintFinding> BiasBeforeBatchNorm(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        for (int i = 0; i + 1 < model.Count; i++)
        {
            var w = model[i];
            bool biased = w.Layer is IWeightLayer { UseBias: true } and IActivated { Activation: ActivationFunction.Linear } && w.Layer is not DropConnect;
            if (!biased || model[i + 1].Layer is not BatchNormalization { Config.ScaleAndCenter.Center: true } bn) continue;
            yield return new LintFinding(BiasBeforeBatchNormId, LintSeverity.Info, [w.Ref, model[i + 1].Ref],
                $"{w.Layer.ClassName} '{w.Layer.Name}' adds a bias that BatchNormalization '{bn.Name}' subtracts again.",
                "BatchNormalization removes each channel's batch mean, and with it any constant added before; its beta plays the bias's part. The bias is trained for nothing.",
                $"Set use_bias=false on '{w.Layer.Name}'.",
                "Ioffe and Szegedy, \"Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift\", ICML 2015, section 3.2")
            { Fix = draft => draft.Set(w.Layer.Name, "use_bias", false) };
        }
    }

    public static IEnumerable<LintFinding> SpatialDropoutWithoutSpatialAxes(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        foreach (var s in model.Where(l => l.Layer is ISpatialDropout sd && l.InputShape is not null && l.InputShape.Count != sd.SpatialRank + 2))
        {
            var (layer, spatialRank, rate) = (s.Layer, ((ISpatialDropout)s.Layer).SpatialRank, LayerRoles.DropRate(s.Layer) ?? 0);
            yield return new LintFinding(SpatialDropoutWithoutSpatialAxesId, LintSeverity.Error, [s.Ref],
                $"{layer.ClassName} '{layer.Name}' needs inputs with {spatialRank} spatial axes and channels, but receives {Tensors.ShapeOps.Format(s.InputShape!.ToArray())}.",
                "Spatial dropout shares one mask value over the spatial axes of each channel; an input without those axes cannot be built, or would drop whole samples' features together.",
                $"Use Dropout({N(rate)}) here, or move '{layer.Name}' before the Flatten.",
                "Tompson, Goroshin, Jain, LeCun and Bregler, \"Efficient Object Localization Using Convolutional Networks\", CVPR 2015")
            { Fix = draft => draft.Replace(layer.Name, "Dropout", new JsonObject { ["rate"] = rate }) };
        }
    }

    public static IEnumerable<LintFinding> DropoutRate(IReadOnlyList<LintedLayer> model, LintContext context)
    {
        foreach (var d in model.Where(l => ZeroesUnits(l.Layer) || l.Layer is GaussianDropout))
        {
            double rate = DropRate(d.Layer) ?? 0;
            bool onInputs = !model.Take(d.Index).Any(l => IsWeightLayer(l.Layer));
            double limit = onInputs ? 0.2 : 0.5;
            // Dropout on a recurrent layer's last output before the head has a rule of its own.
            if (rate <= limit || IsRecurrentHeadDropout(model, d)) continue;
            yield return new LintFinding(DropoutRateId, LintSeverity.Info, [d.Ref],
                $"{d.Layer.ClassName} '{d.Layer.Name}' drops {N(rate, "0.##")} of its {(onInputs ? "inputs" : "units")}; the usual range is up to {N(limit)}.",
                $"Dropout's authors found about 0.2 on inputs and 0.5 on hidden units to work across tasks; higher rates need much wider layers and longer training to fit at all, and on inputs they discard information no layer can recover.",
                $"Lower the rate to {N(limit)} or below, unless an experiment (`strata compare`) shows the higher rate helps.",
                DropoutPaper)
            { Fix = draft => draft.Set(d.Layer.Name, "rate", limit) };
        }
    }
}
