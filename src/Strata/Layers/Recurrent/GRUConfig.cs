namespace Strata.Layers.Recurrent;

/// <summary>The arguments of <see cref="GRU"/>, with Keras's defaults.</summary>
public sealed record GRUConfig : GatedRecurrentConfig
{
    /// <summary>
    /// Whether the reset gate multiplies the state's product with the recurrent kernel (true, Keras 3's
    /// default, cuDNN's and PyTorch's form, with separate input and recurrent biases) or the state before
    /// it (false, Cho et al.'s original).
    /// </summary>
    public bool ResetAfter { get; init; } = true;
}
