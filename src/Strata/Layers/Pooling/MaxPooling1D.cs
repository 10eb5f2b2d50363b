namespace Strata.Layers.Pooling;

/// <summary>The maximum of each pool_size window of [batch, steps, channels] (see <see cref="Pooling"/>); Keras's default pool_size is 2.</summary>
public sealed class MaxPooling1D : Pooling
{
    /// <summary>A 1-D max pooling layer with Keras's arguments: pool_size 2, strides equal to pool_size, padding "valid" by default (one value stands for every spatial axis).</summary>
    public MaxPooling1D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string dataFormat = "channels_last", string? name = null)
        : base(1, true, poolSize ?? [2], strides, padding, dataFormat, name) { }

    /// <inheritdoc/>
    public override string ClassName => "MaxPooling1D";

    /// <summary>Reads a MaxPooling1D layer from its Keras config.</summary>
    public static MaxPooling1D FromConfig(ConfigReader c)
    {
        var (poolSize, strides, padding, dataFormat) = Read(c, 1);
        return new MaxPooling1D(poolSize, strides, padding, dataFormat, c.Name);
    }
}
