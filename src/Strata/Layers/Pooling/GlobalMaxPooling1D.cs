namespace Strata.Layers.Pooling;

/// <summary>Global max pooling over the spatial axes of a rank-3 channels-last input (see <see cref="GlobalPooling"/>).</summary>
public sealed class GlobalMaxPooling1D : GlobalPooling
{
    /// <summary>A global max pooling layer over steps; with <paramref name="keepDims"/> (Keras's keepdims, false by default) the pooled axes stay with size 1.</summary>
    public GlobalMaxPooling1D(bool keepDims = false, string dataFormat = "channels_last", string? name = null)
        : base(1, true, keepDims, dataFormat, name) { }

    /// <inheritdoc/>
    public override string ClassName => "GlobalMaxPooling1D";

    /// <summary>Reads a GlobalMaxPooling1D layer from its Keras config.</summary>
    public static GlobalMaxPooling1D FromConfig(ConfigReader c) =>
        new(c.Bool("keepdims", false), c.String("data_format", null) ?? "channels_last", c.Name);
}
