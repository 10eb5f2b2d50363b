using Strata.Tensors;

namespace Strata.Layers.Recurrent;

/// <summary>The arguments LSTM and GRU add to every recurrent layer's: their gates' activation and Keras 2's implementation mode.</summary>
public abstract record GatedRecurrentConfig : RecurrentConfig
{
    /// <summary>The activation of the gates (LSTM's input, forget and output gates, GRU's update and reset gates); sigmoid by default.</summary>
    public ActivationFunction RecurrentActivation { get; init; } = ActivationFunction.Sigmoid;

    /// <summary>Keras 2's computation mode (1: a product per gate, 2: one product for all); both give the same function.</summary>
    public int Implementation { get; init; } = 2;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        Require(Implementation is 1 or 2, "implementation", $"Expected implementation to be 1 or 2. Received: implementation={Implementation}");
    }
}
