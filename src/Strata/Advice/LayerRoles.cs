using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Regularization;
using Strata.Tensors;

namespace Strata.Advice;

/// <summary>One layer of the model being linted, with the shapes it sees (null where they could not be inferred).</summary>
public sealed record LintedLayer(int Index, Layer Layer, IReadOnlyList<int>? InputShape, IReadOnlyList<int>? OutputShape)
{
    /// <summary>The reference a finding about this layer carries.</summary>
    public LayerRef Ref => new(Index, Layer.Name, Layer.ClassName);
}

/// <summary>What a layer does, in the terms the lint rules reason with, asked of the layer's capabilities.</summary>
internal static class LayerRoles
{
    /// <summary>Layers with weights that mix units: the layers between which variance shift fades.</summary>
    public static bool IsWeightLayer(Layer layer) => layer is IWeightLayer || layer.Children.Any(IsWeightLayer);

    /// <summary>Noise layers that change their output's variance between training and inference.</summary>
    public static bool ShiftsVariance(Layer layer) => layer is IDropoutFamily { ShiftsVariance: true };

    public static bool IsDropoutFamily(Layer layer) => layer is IDropoutFamily;

    /// <summary>Layers that zero units outright (a dropped unit is 0, not noisy).</summary>
    public static bool ZeroesUnits(Layer layer) => layer is IDropoutFamily { ZeroesUnits: true };

    public static double? DropRate(Layer layer) => (layer as IDropoutFamily)?.DropRate;

    /// <summary>Normalizing layers: variance shift stops at them, and an input scaled by them is scaled.</summary>
    public static bool Normalizes(Layer layer) => layer is INormalizer;

    /// <summary>The activation a layer applies to its output, or null for layers without one.</summary>
    public static ActivationFunction? ActivationOf(Layer layer) => (layer as IActivated)?.Activation;

    public static bool IsMaxPooling(Layer layer) => layer is IPooling { TakesMaximum: true };

    /// <summary>Element-wise Dropout: one mask value per unit (no noise_shape sharing any axis).</summary>
    public static bool IsElementWiseDropout(Layer layer, IReadOnlyList<int>? inputShape) =>
        layer is Dropout d && (d.Config.NoiseShape is not { } noise || inputShape is null
            || noise.Select((n, axis) => axis == 0 || n != 1 || inputShape[axis] == 1).All(x => x));

    public static string Describe(ActivationFunction f) => Activations.Name(f);
}
