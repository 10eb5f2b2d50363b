namespace Strata.Layers.Regularization;

/// <summary>Spatial dropout for [batch, height, width, channels] (or channels first): drops whole channels (see <see cref="SpatialDropout"/>).</summary>
public sealed class SpatialDropout2D : SpatialDropout
{
    public SpatialDropout2D(double rate, string dataFormat = "channels_last", int? seed = null, string? name = null)
        : base(2, rate, dataFormat, seed, name) { }

    public override string ClassName => "SpatialDropout2D";

    public static SpatialDropout2D FromConfig(ConfigReader c)
    {
        var (rate, dataFormat, seed) = Read(c);
        return new SpatialDropout2D(rate, dataFormat, seed, c.Name);
    }
}
