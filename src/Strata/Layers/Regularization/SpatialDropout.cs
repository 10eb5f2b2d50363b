using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Regularization;

/// <summary>The arguments of <see cref="SpatialDropout1D"/>.</summary>
public record SpatialDropout1DConfig : NoiseConfig
{
    /// <summary>The fraction of channels dropped, in [0, 1].</summary>
    public required double Rate { get; init; }

    /// <inheritdoc/>
    public override void Validate() => RequireRate(Rate);
}

/// <summary>The arguments of <see cref="SpatialDropout2D"/> and <see cref="SpatialDropout3D"/>.</summary>
public sealed record SpatialDropoutConfig : SpatialDropout1DConfig
{
    /// <summary>Where the channel axis is.</summary>
    public DataFormat DataFormat { get; init; } = DataFormat.ChannelsLast;
}

/// <summary>
/// Spatial dropout (Tompson et al. 2015): drops whole feature maps instead of single units, because
/// neighbouring units of a convolutional feature map are strongly correlated and element-wise
/// dropout barely regularizes them. One mask value per sample and channel, shared over the spatial
/// axes; kept channels are scaled by 1/(1 − rate). PyTorch: nn.Dropout1d/2d/3d (channels-first).
/// </summary>
/// <typeparam name="TConfig">The layer's config record.</typeparam>
public abstract class SpatialDropout<TConfig> : StochasticLayer<TConfig>, ISpatialDropout where TConfig : SpatialDropout1DConfig
{
    private protected SpatialDropout(int spatialRank, TConfig config) : base(config) => SpatialRank = spatialRank;

    /// <inheritdoc/>
    public int SpatialRank { get; }

    /// <summary>The fraction of channels dropped.</summary>
    public double Rate => Config.Rate;

    /// <summary>Where the channel axis is.</summary>
    public DataFormat DataFormat => (Config as SpatialDropoutConfig)?.DataFormat ?? DataFormat.ChannelsLast;

    /// <inheritdoc/>
    public override double? DropRate => Rate;

    /// <inheritdoc/>
    public override bool ZeroesUnits => true;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length != SpatialRank + 2)
            throw new StrataException($"{ClassName} layer '{Name}' expects inputs of rank {SpatialRank + 2} ([batch, {string.Join(", ", Enumerable.Repeat("spatial", SpatialRank))}, channels]); received input of shape {ShapeOps.Format(inputShape)}. Element-wise Dropout fits inputs without spatial axes.");
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Node Inject(Node input)
    {
        var noise = new int[input.Shape.Length];
        Array.Fill(noise, 1);
        noise[0] = input.Shape[0];
        int channelAxis = DataFormat == DataFormat.ChannelsLast ? noise.Length - 1 : 1;
        noise[channelAxis] = input.Shape[channelAxis];
        return Ops.Dropout(input, (float)Rate, noise, RandomStream);
    }
}

/// <summary>Spatial dropout of any rank: drops whole channels.</summary>
public interface ISpatialDropout
{
    /// <summary>How many spatial axes the input has (1, 2 or 3).</summary>
    int SpatialRank { get; }
}

/// <summary>Spatial dropout for [batch, steps, channels]: drops whole channels (see <see cref="SpatialDropout{TConfig}"/>).</summary>
public sealed class SpatialDropout1D : SpatialDropout<SpatialDropout1DConfig>
{
    /// <summary>A SpatialDropout1D layer with every argument given by <paramref name="config"/>.</summary>
    public SpatialDropout1D(SpatialDropout1DConfig config) : base(1, config) { }

    /// <summary>A SpatialDropout1D layer of rate <paramref name="rate"/>.</summary>
    public SpatialDropout1D(double rate, int? seed = null, string? name = null)
        : this(new SpatialDropout1DConfig { Rate = rate, Seed = seed, Name = name }) { }
}

/// <summary>Spatial dropout for [batch, height, width, channels] (or channels first): drops whole channels (see <see cref="SpatialDropout{TConfig}"/>).</summary>
public sealed class SpatialDropout2D : SpatialDropout<SpatialDropoutConfig>
{
    /// <summary>A SpatialDropout2D layer with every argument given by <paramref name="config"/>.</summary>
    public SpatialDropout2D(SpatialDropoutConfig config) : base(2, config) { }

    /// <summary>A channels-last SpatialDropout2D layer of rate <paramref name="rate"/>.</summary>
    public SpatialDropout2D(double rate, int? seed = null, string? name = null)
        : this(new SpatialDropoutConfig { Rate = rate, Seed = seed, Name = name }) { }
}

/// <summary>Spatial dropout for [batch, depth, height, width, channels] (or channels first): drops whole channels (see <see cref="SpatialDropout{TConfig}"/>).</summary>
public sealed class SpatialDropout3D : SpatialDropout<SpatialDropoutConfig>
{
    /// <summary>A SpatialDropout3D layer with every argument given by <paramref name="config"/>.</summary>
    public SpatialDropout3D(SpatialDropoutConfig config) : base(3, config) { }

    /// <summary>A channels-last SpatialDropout3D layer of rate <paramref name="rate"/>.</summary>
    public SpatialDropout3D(double rate, int? seed = null, string? name = null)
        : this(new SpatialDropoutConfig { Rate = rate, Seed = seed, Name = name }) { }
}
