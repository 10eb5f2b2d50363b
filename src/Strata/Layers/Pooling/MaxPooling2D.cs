namespace Strata.Layers.Pooling;

/// <summary>The maximum of each pool_size window of [batch, height, width, channels] (see <see cref="Pooling"/>); Keras's default pool_size is 2.</summary>
public sealed class MaxPooling2D : Pooling
{
    /// <summary>A 2-D max pooling layer with every argument given by <paramref name="config"/>.</summary>
    public MaxPooling2D(Pooling2DConfig config) : base(config, max: true) { }

    /// <summary>A 2-D max pooling layer with Keras's arguments: pool_size 2, strides equal to pool_size, padding "valid" by default (one value stands for every spatial axis).</summary>
    public MaxPooling2D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string? name = null)
        : this(PoolingConfig.Of<Pooling2DConfig>(poolSize, strides, padding, name)) { }
}
