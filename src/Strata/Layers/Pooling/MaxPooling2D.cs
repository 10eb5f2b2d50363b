namespace Strata.Layers.Pooling;

/// <summary>The maximum of each pool_size window of [batch, height, width, channels] (see <see cref="Pooling"/>); Keras's default pool_size is 2.</summary>
public sealed class MaxPooling2D : Pooling
{
    public MaxPooling2D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string dataFormat = "channels_last", string? name = null)
        : base(2, true, poolSize ?? [2], strides, padding, dataFormat, name) { }

    public override string ClassName => "MaxPooling2D";

    public static MaxPooling2D FromConfig(ConfigReader c)
    {
        var (poolSize, strides, padding, dataFormat) = Read(c, 2);
        return new MaxPooling2D(poolSize, strides, padding, dataFormat, c.Name);
    }
}
