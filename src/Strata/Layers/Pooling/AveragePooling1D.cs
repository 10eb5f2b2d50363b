namespace Strata.Layers.Pooling;

/// <summary>The average of each pool_size window of [batch, steps, channels] (see <see cref="Pooling"/>); Keras's default pool_size is 2.</summary>
public sealed class AveragePooling1D : Pooling
{
    public AveragePooling1D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string dataFormat = "channels_last", string? name = null)
        : base(1, false, poolSize ?? [2], strides, padding, dataFormat, name) { }

    public override string ClassName => "AveragePooling1D";

    public static AveragePooling1D FromConfig(ConfigReader c)
    {
        var (poolSize, strides, padding, dataFormat) = Read(c, 1);
        return new AveragePooling1D(poolSize, strides, padding, dataFormat, c.Name);
    }
}
