using Strata.Autodiff;
using Strata.Layers;
using Strata.Tensors;

namespace Strata.Models;

/// <summary>
/// Runs a chain of layers while carrying the mask between them, as Keras does: a layer that makes one
/// (<see cref="IMaskProducer"/>) starts it, layers that keep their steps (<see cref="IMaskPassing"/>) hand it
/// on, a consumer (<see cref="IMaskConsumer"/>) is called with it and says what mask, if any, its output has.
/// Any other layer drops the mask, as Keras 3 does (with a warning there): from that layer on, padding
/// steps count like any other.
/// </summary>
internal sealed class MaskFlow
{
    private Node? _mask;

    /// <summary>The mask on the last output, [batch, steps] of 1 and 0; null when none.</summary>
    public Node? Mask => _mask;

    /// <summary>Records <paramref name="layer"/>'s computation on <paramref name="input"/>, with the mask carried so far.</summary>
    public Node Call(Layer layer, Node input, CallMode mode)
    {
        Node output;
        if (_mask is null) output = layer.Call(input, mode);
        else if (layer is IMaskConsumer consumer)
        {
            output = consumer.Call(input, _mask, mode);
            _mask = consumer.OutputMask(_mask);
        }
        else if (layer is IMaskPassing passing && passing.PassesMask) output = layer.Call(input, mode);
        else
        {
            output = layer.Call(input, mode);
            _mask = null;
        }
        if (layer is IMaskProducer producer && producer.ComputeMask(input) is { } mask)
            _mask = mask;
        return output;
    }
}
