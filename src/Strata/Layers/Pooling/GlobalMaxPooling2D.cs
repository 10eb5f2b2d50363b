namespace Strata.Layers.Pooling;

/// <summary>Global max pooling over the spatial axes of a rank-4 channels-last input (see <see cref="GlobalPooling"/>).</summary>
public sealed class GlobalMaxPooling2D : GlobalPooling
{
    /// <summary>A global max pooling layer over height and width; with <paramref name="keepDims"/> (Keras's keepdims, false by default) the pooled axes stay with size 1.</summary>
    public GlobalMaxPooling2D(bool keepDims = false, string dataFormat = "channels_last", string? name = null)
        : base(2, true, keepDims, dataFormat, name) { }

    /// <inheritdoc/>
    public override string ClassName => "GlobalMaxPooling2D";

    /// <summary>Reads a GlobalMaxPooling2D layer from its Keras config.</summary>
    public static GlobalMaxPooling2D FromConfig(ConfigReader c) =>
        new(c.Bool("keepdims", false), c.String("data_format", null) ?? "channels_last", c.Name);
}
