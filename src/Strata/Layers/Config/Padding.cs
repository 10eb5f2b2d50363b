namespace Strata.Layers;

/// <summary>How a convolution or pooling window treats the borders (Keras's padding).</summary>
public enum Padding
{
    /// <summary>No padding: windows lie inside the input (Keras's default).</summary>
    Valid,

    /// <summary>Zeros around the input so the output has ⌈input/stride⌉ positions, the odd extra one after, as TensorFlow.</summary>
    Same,

    /// <summary>All the padding before (Conv1D only), so output step t sees inputs up to t.</summary>
    Causal,
}
