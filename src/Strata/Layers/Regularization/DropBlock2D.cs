using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Regularization;

/// <summary>The arguments of <see cref="DropBlock2D"/>.</summary>
public sealed record DropBlock2DConfig : NoiseConfig
{
    /// <summary>The fraction of units dropped, in [0, 1).</summary>
    public required double Rate { get; init; }

    /// <summary>The block's side, or its height and width.</summary>
    [KerasIntOrList] public IReadOnlyList<int> BlockSize { get; init => field = ReadOnlyInts.Copy(value); } = [7];

    /// <inheritdoc/>
    public override void Validate()
    {
        RequireRate(Rate, allowOne: false);
        Require(BlockSize is { Count: 1 or 2 } && BlockSize.All(b => b >= 1), "block_size",
            $"Expected a positive block_size or a pair (height, width). Received: block_size={string.Join(", ", BlockSize ?? [])}");
    }
}

/// <summary>
/// DropBlock (Ghiasi et al. 2018): drops contiguous block_size × block_size squares of each feature
/// map, because dropping single units of a convolutional map leaves their neighbours carrying the
/// same information. Block centres are drawn where a whole block fits, with the paper's
/// γ = rate·H·W / (block²·(H − block + 1)(W − block + 1)) so about a fraction <c>rate</c> of units is
/// dropped; kept units are scaled by (all units)/(kept units). The identity at inference.
/// Channels-last [batch, height, width, channels] like Keras; same as keras-cv's DropBlock2D and
/// torchvision's DropBlock2d(p, block_size) up to the layout.
/// </summary>
public sealed class DropBlock2D : StochasticLayer<DropBlock2DConfig>
{
    /// <summary>A DropBlock2D layer with every argument given by <paramref name="config"/>.</summary>
    public DropBlock2D(DropBlock2DConfig config) : base(config) { }

    /// <summary>A DropBlock2D layer of rate <paramref name="rate"/> dropping square blocks of side <paramref name="blockSize"/> (null: 7).</summary>
    public DropBlock2D(double rate, int? blockSize = null, int? seed = null, string? name = null)
        : this(blockSize is int b ? new DropBlock2DConfig { Rate = rate, BlockSize = [b], Seed = seed, Name = name }
            : new DropBlock2DConfig { Rate = rate, Seed = seed, Name = name }) { }

    /// <summary>The fraction of units dropped.</summary>
    public double Rate => Config.Rate;

    /// <summary>The block's height.</summary>
    public int BlockHeight => Config.BlockSize[0];

    /// <summary>The block's width.</summary>
    public int BlockWidth => Config.BlockSize[^1];

    /// <inheritdoc/>
    public override double? DropRate => Rate;

    /// <inheritdoc/>
    public override bool ZeroesUnits => true;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length != 4 || inputShape[1] <= 0 || inputShape[2] <= 0)
            throw new StrataException($"DropBlock2D layer '{Name}' expects feature maps [batch, height, width, channels] with known height and width; received input of shape {ShapeOps.Format(inputShape)}.");
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Node Inject(Node input) =>
        Ops.Multiply(input, Ops.DropBlockMask(input.Graph, input.Value.ShapeArray(), (float)Rate, BlockHeight, BlockWidth, RandomStream));
}
