namespace Strata.Layers.Pooling;

/// <summary>Global max pooling over the spatial axes of a rank-4 channels-last input (see <see cref="GlobalPooling"/>).</summary>
public sealed class GlobalMaxPooling2D : GlobalPooling
{
    public GlobalMaxPooling2D(bool keepDims = false, string dataFormat = "channels_last", string? name = null)
        : base(2, true, keepDims, dataFormat, name) { }

    public override string ClassName => "GlobalMaxPooling2D";

    public static GlobalMaxPooling2D FromConfig(ConfigReader c) =>
        new(c.Bool("keepdims", false), c.String("data_format", null) ?? "channels_last", c.Name);
}
