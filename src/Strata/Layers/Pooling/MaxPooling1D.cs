namespace Strata.Layers.Pooling;

/// <summary>The maximum of each pool_size window of [batch, steps, channels] (see <see cref="Pooling"/>); Keras's default pool_size is 2.</summary>
public sealed class MaxPooling1D : Pooling
{
    public MaxPooling1D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string dataFormat = "channels_last", string? name = null)
        : base(1, true, poolSize ?? [2], strides, padding, dataFormat, name) { }

    public override string ClassName => "MaxPooling1D";

    public static MaxPooling1D FromConfig(ConfigReader c)
    {
        var (poolSize, strides, padding, dataFormat) = Read(c, 1);
        return new MaxPooling1D(poolSize, strides, padding, dataFormat, c.Name);
    }
}
