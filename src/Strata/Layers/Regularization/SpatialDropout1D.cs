namespace Strata.Layers.Regularization;

/// <summary>Spatial dropout for [batch, steps, channels]: drops whole channels (see <see cref="SpatialDropout"/>).</summary>
public sealed class SpatialDropout1D : SpatialDropout
{
    public SpatialDropout1D(double rate, int? seed = null, string? name = null) : base(1, rate, "channels_last", seed, name) { }

    public override string ClassName => "SpatialDropout1D";

    public static SpatialDropout1D FromConfig(ConfigReader c)
    {
        var (rate, _, seed) = Read(c);
        return new SpatialDropout1D(rate, seed, c.Name);
    }
}
