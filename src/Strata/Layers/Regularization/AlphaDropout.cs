using Strata.Autodiff;

namespace Strata.Layers.Regularization;

/// <summary>The arguments of <see cref="AlphaDropout"/>.</summary>
public sealed record AlphaDropoutConfig : NoiseConfig
{
    /// <summary>The fraction of units dropped, in [0, 1).</summary>
    public required double Rate { get; init; }

    /// <summary>The mask's shape, as Dropout's.</summary>
    [KerasShape] public IReadOnlyList<int>? NoiseShape { get; init => field = ReadOnlyInts.Copy(value); }

    /// <inheritdoc/>
    public override void Validate() => RequireRate(Rate, allowOne: false);
}

/// <summary>
/// Dropout for self-normalizing networks (Klambauer et al. 2017): dropped units are set to SELU's
/// negative saturation α′ = −λα instead of 0, then y = a·x̃ + b with
/// a = ((1 − rate)(1 + rate·α′²))^(−1/2) and b = −a·α′·rate, so inputs with zero mean and unit
/// variance keep them. Use with SELU activations and lecun_normal initialization. The identity at
/// inference. Keras: AlphaDropout(rate, noise_shape, seed); PyTorch: nn.AlphaDropout(p).
/// </summary>
public sealed class AlphaDropout : StochasticLayer<AlphaDropoutConfig>
{
    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;

    /// <summary>An AlphaDropout layer with every argument given by <paramref name="config"/>.</summary>
    public AlphaDropout(AlphaDropoutConfig config) : base(config) { }

    /// <summary>An AlphaDropout layer of rate <paramref name="rate"/>.</summary>
    public AlphaDropout(double rate, int[]? noiseShape = null, int? seed = null, string? name = null)
        : this(new AlphaDropoutConfig { Rate = rate, NoiseShape = noiseShape, Seed = seed, Name = name }) { }

    /// <summary>The fraction of units dropped.</summary>
    public double Rate => Config.Rate;

    /// <inheritdoc/>
    public override double? DropRate => Rate;

    /// <summary>Keeps mean and variance by construction (Klambauer et al. 2017).</summary>
    public override bool ShiftsVariance => false;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        CheckNoiseShape(Config.NoiseShape, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Node Inject(Node input)
    {
        double alphaP = -SeluAlpha * SeluScale;
        double a = 1 / Math.Sqrt((1 - Rate) * (1 + Rate * alphaP * alphaP));
        double b = -a * alphaP * Rate;
        // y = a·(x·m + α′·(1 − m)) + b = x·(a·m) + (a·α′ + b) − α′·(a·m), with m the keep mask.
        var keptScale = Ops.RandomBernoulli(input.Graph, ResolveNoiseShape(Config.NoiseShape, input.Shape), (float)(1 - Rate), (float)a, RandomStream);
        var offset = Ops.AddScalar(Ops.Scale(keptScale, (float)-alphaP), (float)(a * alphaP + b));
        return Ops.Add(Ops.Multiply(input, keptScale), offset);
    }
}
