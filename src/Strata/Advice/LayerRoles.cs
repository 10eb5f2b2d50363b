using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Regularization;
using NormalizationLayer = Strata.Layers.Normalization.Normalization;
using Strata.Tensors;

namespace Strata.Advice;

/// <summary>One layer of the model being linted, with the shapes it sees (null where they could not be inferred).</summary>
public sealed record LintedLayer(int Index, Layer Layer, int[]? InputShape, int[]? OutputShape)
{
    public LayerRef Ref => new(Index, Layer.Name, Layer.ClassName);
}

/// <summary>What each layer class does, in the terms the lint rules reason with.</summary>
internal static class LayerRoles
{
    /// <summary>Layers with weights that mix units: the layers between which variance shift fades.</summary>
    public static bool IsWeightLayer(Layer layer) =>
        layer is Dense or Convolution or DropConnect || (layer is Residual && layer.Children.Any(IsWeightLayer));

    /// <summary>Noise layers that change their output's variance between training and inference.</summary>
    public static bool ShiftsVariance(Layer layer) => layer switch
    {
        AlphaDropout => false, // keeps mean and variance by construction (Klambauer et al. 2017)
        GaussianNoise g => g.Stddev > 0,
        StochasticLayer s => DropRate(s) is not 0,
        _ => false,
    };

    public static bool IsDropoutFamily(Layer layer) => layer is StochasticLayer;

    /// <summary>Layers that zero units outright (a dropped unit is 0, not noisy).</summary>
    public static bool ZeroesUnits(Layer layer) => layer is Dropout or SpatialDropout or DropBlock2D;

    public static double? DropRate(Layer layer) => layer switch
    {
        Dropout d => d.Rate,
        SpatialDropout s => s.Rate,
        DropBlock2D b => b.Rate,
        GaussianDropout g => g.Rate,
        AlphaDropout a => a.Rate,
        DropConnect c => c.Rate,
        StochasticDepth s => s.Rate,
        _ => null,
    };

    /// <summary>Normalizing layers: variance shift stops at them, and an input scaled by them is scaled.</summary>
    public static bool Normalizes(Layer layer) => layer is BatchNormalization or LayerNormalization or GroupNormalization or NormalizationLayer;

    /// <summary>The activation a layer applies to its output, or null for layers without one.</summary>
    public static ActivationFunction? ActivationOf(Layer layer) => layer switch
    {
        Dense d => d.Activation,
        Convolution c => c.Activation,
        Activation a => a.Function,
        _ => null,
    };

    public static bool IsMaxPooling(Layer layer) => layer is MaxPooling1D or MaxPooling2D or GlobalMaxPooling1D or GlobalMaxPooling2D;

    /// <summary>Element-wise Dropout: one mask value per unit (no noise_shape sharing any axis).</summary>
    public static bool IsElementWiseDropout(Layer layer, int[]? inputShape) =>
        layer is Dropout d && (d.NoiseShape is null || inputShape is null
            || d.NoiseShape.Select((n, axis) => axis == 0 || n != 1 || inputShape[axis] == 1).All(x => x));

    public static string Describe(ActivationFunction f) => Activations.Name(f);
}
