using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Regularization;

/// <summary>
/// Spatial dropout (Tompson et al. 2015): drops whole feature maps instead of single units, because
/// neighbouring units of a convolutional feature map are strongly correlated and element-wise
/// dropout barely regularizes them. One mask value per sample and channel, shared over the spatial
/// axes; kept channels are scaled by 1/(1 − rate). PyTorch: nn.Dropout1d/2d/3d (channels-first).
/// </summary>
public abstract class SpatialDropout : StochasticLayer
{
    private protected SpatialDropout(int spatialRank, double rate, string dataFormat, int? seed, string? name) : base(seed, name)
    {
        SpatialRank = spatialRank;
        Rate = CheckRate(rate);
        if (dataFormat is not ("channels_last" or "channels_first"))
            throw new StrataException($"The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: data_format={dataFormat}");
        DataFormat = dataFormat;
    }

    /// <summary>How many spatial axes the input has (1, 2 or 3).</summary>
    public int SpatialRank { get; }

    public double Rate { get; }

    /// <summary>"channels_last" (Keras's default, [batch, ...spatial, channels]) or "channels_first".</summary>
    public string DataFormat { get; }

    protected override bool IsActive => Rate > 0;

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length != SpatialRank + 2)
            throw new StrataException($"{ClassName} layer '{Name}' expects inputs of rank {SpatialRank + 2} ([batch, {string.Join(", ", Enumerable.Repeat("spatial", SpatialRank))}, channels]); received input of shape {ShapeOps.Format(inputShape)}. Element-wise Dropout fits inputs without spatial axes.");
        return inputShape;
    }

    protected override Node Inject(Node input)
    {
        var noise = new int[input.Shape.Length];
        Array.Fill(noise, 1);
        noise[0] = input.Shape[0];
        int channelAxis = DataFormat == "channels_last" ? noise.Length - 1 : 1;
        noise[channelAxis] = input.Shape[channelAxis];
        return Ops.Dropout(input, (float)Rate, noise, RandomStream);
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        if (SpatialRank > 1) config["data_format"] = DataFormat;
        return config;
    }

    private protected static (double Rate, string DataFormat, int? Seed) Read(ConfigReader c)
    {
        if (!c.Has("rate")) throw new StrataException($"{c.ClassName} layer '{c.Name}' needs 'rate'.");
        return (c.Double("rate", 0), c.String("data_format", null) ?? "channels_last", c.OptionalInt("seed"));
    }
}
