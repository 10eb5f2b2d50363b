namespace Strata.Layers.Pooling;

/// <summary>Global max pooling over the spatial axes of a rank-4 channels-last input (see <see cref="GlobalPooling"/>).</summary>
public sealed class GlobalMaxPooling2D : GlobalPooling
{
    /// <summary>A global max pooling layer with every argument given by <paramref name="config"/>.</summary>
    public GlobalMaxPooling2D(GlobalPoolingConfig config) : base(config, 2, max: true) { }

    /// <summary>A global max pooling layer over height and width; with <paramref name="keepDims"/> (Keras's keepdims, false by default) the pooled axes stay with size 1.</summary>
    public GlobalMaxPooling2D(bool keepDims = false, string? name = null)
        : this(new GlobalPoolingConfig { KeepDims = keepDims, Name = name }) { }
}
