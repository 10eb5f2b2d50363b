namespace Strata.Layers.Pooling;

/// <summary>Global average pooling over the spatial axes of a rank-4 channels-last input (see <see cref="GlobalPooling"/>).</summary>
public sealed class GlobalAveragePooling2D : GlobalPooling
{
    /// <summary>A global average pooling layer with every argument given by <paramref name="config"/>.</summary>
    public GlobalAveragePooling2D(GlobalPoolingConfig config) : base(config, 2, max: false) { }

    /// <summary>A global average pooling layer over height and width; with <paramref name="keepDims"/> (Keras's keepdims, false by default) the pooled axes stay with size 1.</summary>
    public GlobalAveragePooling2D(bool keepDims = false, string? name = null)
        : this(new GlobalPoolingConfig { KeepDims = keepDims, Name = name }) { }
}
