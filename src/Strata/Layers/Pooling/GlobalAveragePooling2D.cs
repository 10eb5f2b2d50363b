namespace Strata.Layers.Pooling;

/// <summary>Global average pooling over the spatial axes of a rank-4 channels-last input (see <see cref="GlobalPooling"/>).</summary>
public sealed class GlobalAveragePooling2D : GlobalPooling
{
    /// <summary>A global average pooling layer over height and width; with <paramref name="keepDims"/> (Keras's keepdims, false by default) the pooled axes stay with size 1.</summary>
    public GlobalAveragePooling2D(bool keepDims = false, string dataFormat = "channels_last", string? name = null)
        : base(2, false, keepDims, dataFormat, name) { }

    /// <inheritdoc/>
    public override string ClassName => "GlobalAveragePooling2D";

    /// <summary>Reads a GlobalAveragePooling2D layer from its Keras config.</summary>
    public static GlobalAveragePooling2D FromConfig(ConfigReader c) =>
        new(c.Bool("keepdims", false), c.String("data_format", null) ?? "channels_last", c.Name);
}
