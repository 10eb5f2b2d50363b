namespace Strata.Layers.Pooling;

/// <summary>The maximum of each pool_size window of [batch, steps, channels] (see <see cref="Pooling"/>); Keras's default pool_size is 2.</summary>
public sealed class MaxPooling1D : Pooling
{
    /// <summary>A 1-D max pooling layer with every argument given by <paramref name="config"/>.</summary>
    public MaxPooling1D(Pooling1DConfig config) : base(config, max: true) { }

    /// <summary>A 1-D max pooling layer with Keras's arguments: pool_size 2, strides equal to pool_size, padding "valid" by default (one value stands for every spatial axis).</summary>
    public MaxPooling1D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string? name = null)
        : this(PoolingConfig.Of<Pooling1DConfig>(poolSize, strides, padding, name)) { }
}
