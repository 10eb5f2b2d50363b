namespace Strata.Layers.Pooling;

/// <summary>Global average pooling over the spatial axes of a rank-3 channels-last input (see <see cref="GlobalPooling"/>).</summary>
public sealed class GlobalAveragePooling1D : GlobalPooling
{
    public GlobalAveragePooling1D(bool keepDims = false, string dataFormat = "channels_last", string? name = null)
        : base(1, false, keepDims, dataFormat, name) { }

    public override string ClassName => "GlobalAveragePooling1D";

    public static GlobalAveragePooling1D FromConfig(ConfigReader c) =>
        new(c.Bool("keepdims", false), c.String("data_format", null) ?? "channels_last", c.Name);
}
