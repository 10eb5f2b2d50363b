using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Recurrent;
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
    /// <summary>Layers with weights that mix units (recurrent layers too): the layers between which variance shift fades.</summary>
    public static bool IsWeightLayer(Layer layer) => layer is IWeightLayer || RecurrentConfigOf(layer) is not null || layer.Children.Any(IsWeightLayer);

    /// <summary>
    /// The config of a SimpleRNN, LSTM or GRU, or of the layer a Bidirectional wrapper runs forward; null for
    /// other layers. Its return_sequences says whether the next layer sees a sequence.
    /// </summary>
    public static RecurrentConfig? RecurrentConfigOf(Layer layer) => layer switch
    {
        SimpleRNN s => s.Config,
        LSTM l => l.Config,
        GRU g => g.Config,
        Bidirectional b => RecurrentConfigOf(b.ForwardLayer),
        _ => null,
    };

    /// <summary>
    /// Layers that work on each unit or step where they stand (the dropout family, normalization, activation
    /// layers): the rules about recurrent stacks look through them to the layers on either side.
    /// </summary>
    public static bool IsPerElement(Layer layer) =>
        IsDropoutFamily(layer) || Normalizes(layer) || (layer is IActivated && !IsWeightLayer(layer));

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
