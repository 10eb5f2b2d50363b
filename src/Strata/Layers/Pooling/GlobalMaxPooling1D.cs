namespace Strata.Layers.Pooling;

/// <summary>Global max pooling over the spatial axes of a rank-3 channels-last input (see <see cref="GlobalPooling"/>).</summary>
public sealed class GlobalMaxPooling1D : GlobalPooling
{
    public GlobalMaxPooling1D(bool keepDims = false, string dataFormat = "channels_last", string? name = null)
        : base(1, true, keepDims, dataFormat, name) { }

    public override string ClassName => "GlobalMaxPooling1D";

    public static GlobalMaxPooling1D FromConfig(ConfigReader c) =>
        new(c.Bool("keepdims", false), c.String("data_format", null) ?? "channels_last", c.Name);
}
