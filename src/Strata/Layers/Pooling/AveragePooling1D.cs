namespace Strata.Layers.Pooling;

/// <summary>The average of each pool_size window of [batch, steps, channels] (see <see cref="Pooling"/>); Keras's default pool_size is 2.</summary>
public sealed class AveragePooling1D : Pooling
{
    /// <summary>A 1-D average pooling layer with every argument given by <paramref name="config"/>.</summary>
    public AveragePooling1D(Pooling1DConfig config) : base(config, max: false) { }

    /// <summary>A 1-D average pooling layer with Keras's arguments: pool_size 2, strides equal to pool_size, padding "valid" by default (one value stands for every spatial axis).</summary>
    public AveragePooling1D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string? name = null)
        : this(PoolingConfig.Of<Pooling1DConfig>(poolSize, strides, padding, name)) { }
}
