namespace Strata.Layers.Pooling;

/// <summary>The average of each pool_size window of [batch, steps, channels] (see <see cref="Pooling"/>); Keras's default pool_size is 2.</summary>
public sealed class AveragePooling1D : Pooling
{
    /// <summary>A 1-D average pooling layer with Keras's arguments: pool_size 2, strides equal to pool_size, padding "valid" by default (one value stands for every spatial axis).</summary>
    public AveragePooling1D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string dataFormat = "channels_last", string? name = null)
        : base(1, false, poolSize ?? [2], strides, padding, dataFormat, name) { }

    /// <inheritdoc/>
    public override string ClassName => "AveragePooling1D";

    /// <summary>Reads a AveragePooling1D layer from its Keras config.</summary>
    public static AveragePooling1D FromConfig(ConfigReader c)
    {
        var (poolSize, strides, padding, dataFormat) = Read(c, 1);
        return new AveragePooling1D(poolSize, strides, padding, dataFormat, c.Name);
    }
}
