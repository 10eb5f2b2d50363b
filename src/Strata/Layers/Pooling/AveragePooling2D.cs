namespace Strata.Layers.Pooling;

/// <summary>The average of each pool_size window of [batch, height, width, channels] (see <see cref="Pooling"/>); Keras's default pool_size is 2.</summary>
public sealed class AveragePooling2D : Pooling
{
    /// <summary>A 2-D average pooling layer with Keras's arguments: pool_size 2, strides equal to pool_size, padding "valid" by default (one value stands for every spatial axis).</summary>
    public AveragePooling2D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string dataFormat = "channels_last", string? name = null)
        : base(2, false, poolSize ?? [2], strides, padding, dataFormat, name) { }

    /// <inheritdoc/>
    public override string ClassName => "AveragePooling2D";

    /// <summary>Reads a AveragePooling2D layer from its Keras config.</summary>
    public static AveragePooling2D FromConfig(ConfigReader c)
    {
        var (poolSize, strides, padding, dataFormat) = Read(c, 2);
        return new AveragePooling2D(poolSize, strides, padding, dataFormat, c.Name);
    }
}
