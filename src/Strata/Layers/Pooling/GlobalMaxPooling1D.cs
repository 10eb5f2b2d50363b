using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Pooling;

/// <summary>
/// Global max pooling over the steps of a rank-3 channels-last input (see <see cref="GlobalPooling"/>).
/// Like Keras's, it does not use a mask: one that reaches it is dropped and padding steps count.
/// </summary>
public sealed class GlobalMaxPooling1D : GlobalPooling
{
    /// <summary>A global max pooling layer with every argument given by <paramref name="config"/>.</summary>
    public GlobalMaxPooling1D(GlobalPoolingConfig config) : base(config, 1, max: true) { }

    /// <summary>A global max pooling layer over steps; with <paramref name="keepDims"/> (Keras's keepdims, false by default) the pooled axes stay with size 1.</summary>
    public GlobalMaxPooling1D(bool keepDims = false, string? name = null)
        : this(new GlobalPoolingConfig { KeepDims = keepDims, Name = name }) { }
}
