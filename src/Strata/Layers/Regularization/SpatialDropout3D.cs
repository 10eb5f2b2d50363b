namespace Strata.Layers.Regularization;

/// <summary>Spatial dropout for [batch, depth, height, width, channels] (or channels first): drops whole channels (see <see cref="SpatialDropout"/>).</summary>
public sealed class SpatialDropout3D : SpatialDropout
{
    public SpatialDropout3D(double rate, string dataFormat = "channels_last", int? seed = null, string? name = null)
        : base(3, rate, dataFormat, seed, name) { }

    public override string ClassName => "SpatialDropout3D";

    public static SpatialDropout3D FromConfig(ConfigReader c)
    {
        var (rate, dataFormat, seed) = Read(c);
        return new SpatialDropout3D(rate, dataFormat, seed, c.Name);
    }
}
