using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Regularization;

/// <summary>The arguments of <see cref="WeightedChannelDropout"/>.</summary>
public sealed record WeightedChannelDropoutConfig : NoiseConfig
{
    /// <summary>The fraction of each sample's channels the weighted random selection leaves out, in [0, 1): it keeps M = round(C·(1 − rate)) of C, at least 1.</summary>
    public required double Rate { get; init; }

    /// <summary>The probability with which the random number generator drops each selected channel, in [0, 1]; 0 by default.</summary>
    public double RandomRate { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        RequireRate(Rate, allowOne: false);
        Require(RandomRate is >= 0 and <= 1, "random_rate", $"Expected a float value between 0 and 1. Received: random_rate={RandomRate}");
    }
}

/// <summary>
/// Weighted Channel Dropout (S. Hou and Z. Wang, "Weighted Channel Dropout for Regularization of
/// Deep Convolutional Neural Network", AAAI 2019), for feature maps [batch, ..., channels] after a
/// ReLU. In training, per sample: rating channels, each channel's score is its global average
/// pooling (negative averages count as 0); selecting channels, weighted random selection gives
/// channel i the key rᵢ^(1/scoreᵢ) with rᵢ uniform in (0, 1) and keeps the M = round(C·(1 − rate))
/// channels with the largest keys (Efraimidis and Spirakis's sampling without replacement, so the
/// higher a channel's activation the likelier it stays), then a random number generator drops each
/// selected channel with probability <c>random_rate</c>; kept channels are scaled by
/// α = Σ all scores / Σ selected scores. At inference the layer is the identity, so the network is
/// unchanged. The scaling and the random-number step follow the authors' description as read in a
/// public implementation: a per-channel Bernoulli mask multiplied with the selection, α taken over
/// the selection. The gradient is exact for the drawn selection, α's dependence on the input included.
/// </summary>
public sealed class WeightedChannelDropout : StochasticLayer<WeightedChannelDropoutConfig>
{
    /// <summary>A WeightedChannelDropout layer with every argument given by <paramref name="config"/>.</summary>
    public WeightedChannelDropout(WeightedChannelDropoutConfig config) : base(config) { }

    /// <summary>A WeightedChannelDropout layer leaving out a fraction <paramref name="rate"/> of channels by weighted selection, then dropping selected ones with probability <paramref name="randomRate"/>.</summary>
    public WeightedChannelDropout(double rate, double randomRate = 0, int? seed = null, string? name = null)
        : this(new WeightedChannelDropoutConfig { Rate = rate, RandomRate = randomRate, Seed = seed, Name = name }) { }

    /// <summary>The fraction of channels the weighted random selection leaves out.</summary>
    public double Rate => Config.Rate;

    /// <summary>The probability of dropping each selected channel at random.</summary>
    public double RandomRate => Config.RandomRate;

    /// <summary>The fraction of channels dropped: at least <see cref="Rate"/>, more where the random step drops selected ones.</summary>
    public override double? DropRate => 1 - (1 - Rate) * (1 - RandomRate);

    /// <inheritdoc/>
    public override bool ZeroesUnits => true;

    /// <summary>The number of channels the weighted random selection keeps out of <paramref name="channels"/>.</summary>
    public int SelectedChannels(int channels) => Math.Max(1, (int)Math.Round(channels * (1 - Rate), MidpointRounding.AwayFromZero));

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length < 3 || inputShape[1..].Any(d => d <= 0))
            throw new StrataException($"WeightedChannelDropout layer '{Name}' expects feature maps [batch, ..., channels] with known sizes; received input of shape {ShapeOps.Format(inputShape)}.");
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Node Inject(Node input) =>
        Ops.WeightedChannelDropout(input, SelectedChannels(input.Shape[^1]), (float)RandomRate, RandomStream);
}
