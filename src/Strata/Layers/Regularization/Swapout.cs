using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers.Core;
using Strata.Tensors;

namespace Strata.Layers.Regularization;

/// <summary>The arguments of <see cref="Swapout"/> (its branch is given beside them).</summary>
public sealed record SwapoutConfig : NoiseConfig
{
    /// <summary>θ₁, the probability of keeping each unit of the identity x, in [0, 1].</summary>
    public required double KeepIdentity { get; init; }

    /// <summary>θ₂, the probability of keeping each unit of the branch's output F(x), in [0, 1].</summary>
    public required double KeepResidual { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(KeepIdentity is >= 0 and <= 1, "keep_identity", $"Expected a float value between 0 and 1. Received: keep_identity={KeepIdentity}");
        Require(KeepResidual is >= 0 and <= 1, "keep_residual", $"Expected a float value between 0 and 1. Received: keep_residual={KeepResidual}");
    }
}

/// <summary>
/// Swapout (S. Singh, D. Hoiem and D. Forsyth, "Swapout: Learning an ensemble of deep
/// architectures", NeurIPS 2016): a residual block y = Θ₁ ⊙ x + Θ₂ ⊙ F(x) whose masks Θ₁ ~
/// Bernoulli(keep_identity) and Θ₂ ~ Bernoulli(keep_residual) are drawn independently for every unit
/// in training (or Monte-Carlo inference), so each unit is 0, x, F(x) or x + F(x): an ensemble of
/// architectures sampled per unit. Nothing is rescaled; at inference the paper's deterministic form
/// uses the expectations, y = keep_identity·x + keep_residual·F(x). Special cases: keep_identity 0 is
/// dropout of F(x) (unscaled, as in the original dropout paper), keep_identity = keep_residual = 1
/// is <see cref="Residual"/>, and keep_identity 1 is stochastic depth per unit: stochastic depth
/// (<see cref="StochasticDepth"/> at the end of a Residual branch) drops F(x) with one draw per
/// sample, Swapout with one draw per unit. The branch (layers applied in order, keeping the input's
/// shape) is written under "layers" in the config, as Residual's. Each stochastic call takes one key
/// from the stream per mask it draws: the identity's, then the branch output's, and none for a keep probability
/// of 0 or 1, whose mask is constant.
/// </summary>
public sealed class Swapout : Layer<SwapoutConfig>, IDropoutFamily
{
    private readonly LayerBranch _branch;
    private readonly RandomStream _random;

    /// <summary>A Swapout block over the layers of <paramref name="branch"/> with every argument given by <paramref name="config"/>.</summary>
    public Swapout(IEnumerable<Layer> branch, SwapoutConfig config) : base(config)
    {
        _branch = new LayerBranch(branch, "Swapout");
        _random = new RandomStream(config.Seed is int s ? (ulong)s : 0);
    }

    /// <summary>A Swapout block over <paramref name="branch"/> keeping identity units with probability <paramref name="keepIdentity"/> and branch units with probability <paramref name="keepResidual"/>.</summary>
    public Swapout(IEnumerable<Layer> branch, double keepIdentity, double keepResidual, int? seed = null, string? name = null)
        : this(branch, new SwapoutConfig { KeepIdentity = keepIdentity, KeepResidual = keepResidual, Seed = seed, Name = name }) { }

    /// <summary>θ₁, the probability of keeping each identity unit.</summary>
    public double KeepIdentity => Config.KeepIdentity;

    /// <summary>θ₂, the probability of keeping each unit of the branch's output.</summary>
    public double KeepResidual => Config.KeepResidual;

    /// <inheritdoc/>
    public override IReadOnlyList<Layer> Children => _branch.Layers;

    /// <inheritdoc/>
    public RandomStream RandomStream => _random;

    /// <summary>The fraction of the branch's output units dropped, 1 − keep_residual (the identity's are dropped at 1 − keep_identity).</summary>
    public double? DropRate => 1 - KeepResidual;

    /// <inheritdoc/>
    public bool ShiftsVariance => KeepIdentity is > 0 and < 1 || KeepResidual is > 0 and < 1;

    /// <summary>False: a unit is 0 only when both of its parts are dropped.</summary>
    public bool ZeroesUnits => false;

    /// <inheritdoc/>
    public override IEnumerable<RandomStream> RandomStreams => [_random, .. _branch.Layers.SelectMany(l => l.RandomStreams)];

    /// <inheritdoc/>
    public override void Reseed(RandomGenerator random)
    {
        _random.Seed = Config.Seed is int s ? (ulong)s : random.NextSeed();
        _random.Step = 0;
        base.Reseed(random);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => _branch.ComputeOutputShape(inputShape, Name);

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random) => _branch.Build(inputShape, random);

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var residual = _branch.Call(input, mode);
        return Ops.Add(Keep(input, KeepIdentity, mode), Keep(residual, KeepResidual, mode));
    }

    /// <summary>
    /// x ⊙ Θ with Θ ~ Bernoulli(θ) per unit when the call is stochastic, θ·x otherwise. A mask that cannot
    /// vary is not drawn: θ = 1 gives x itself and θ = 0 gives 0·x, and neither takes a key from the stream.
    /// </summary>
    private Node Keep(Node x, double keep, CallMode mode)
    {
        if (keep >= 1) return x;
        if (keep <= 0 || !mode.IsStochastic) return Ops.Scale(x, (float)keep);
        return Ops.Multiply(x, Ops.RandomBernoulli(x.Graph, x.Value.ShapeArray(), (float)keep, 1f, _random));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        _branch.WriteConfig(config);
        return config;
    }

    /// <summary>Reads a Swapout block from its config: its arguments and the branch's layer configs under "layers".</summary>
    public static Swapout FromConfig(ConfigReader c) =>
        new(LayerBranch.ReadLayers(c, "Swapout"), (SwapoutConfig)KerasConfig.Read(typeof(SwapoutConfig), c));
}
