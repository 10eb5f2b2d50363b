namespace Strata.Layers.Pooling;

/// <summary>Global average pooling over the spatial axes of a rank-3 channels-last input (see <see cref="GlobalPooling"/>).</summary>
public sealed class GlobalAveragePooling1D : GlobalPooling
{
    /// <summary>A global average pooling layer over steps; with <paramref name="keepDims"/> (Keras's keepdims, false by default) the pooled axes stay with size 1.</summary>
    public GlobalAveragePooling1D(bool keepDims = false, string dataFormat = "channels_last", string? name = null)
        : base(1, false, keepDims, dataFormat, name) { }

    /// <inheritdoc/>
    public override string ClassName => "GlobalAveragePooling1D";

    /// <summary>Reads a GlobalAveragePooling1D layer from its Keras config.</summary>
    public static GlobalAveragePooling1D FromConfig(ConfigReader c) =>
        new(c.Bool("keepdims", false), c.String("data_format", null) ?? "channels_last", c.Name);
}
