namespace Strata.Layers.Pooling;

/// <summary>The maximum of each pool_size window of [batch, height, width, channels] (see <see cref="Pooling"/>); Keras's default pool_size is 2.</summary>
public sealed class MaxPooling2D : Pooling
{
    /// <summary>A 2-D max pooling layer with Keras's arguments: pool_size 2, strides equal to pool_size, padding "valid" by default (one value stands for every spatial axis).</summary>
    public MaxPooling2D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string dataFormat = "channels_last", string? name = null)
        : base(2, true, poolSize ?? [2], strides, padding, dataFormat, name) { }

    /// <inheritdoc/>
    public override string ClassName => "MaxPooling2D";

    /// <summary>Reads a MaxPooling2D layer from its Keras config.</summary>
    public static MaxPooling2D FromConfig(ConfigReader c)
    {
        var (poolSize, strides, padding, dataFormat) = Read(c, 2);
        return new MaxPooling2D(poolSize, strides, padding, dataFormat, c.Name);
    }
}
