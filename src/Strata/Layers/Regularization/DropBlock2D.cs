using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Regularization;

/// <summary>
/// DropBlock (Ghiasi et al. 2018): drops contiguous block_size × block_size squares of each feature
/// map, because dropping single units of a convolutional map leaves their neighbours carrying the
/// same information. Block centres are drawn where a whole block fits, with the paper's
/// γ = rate·H·W / (block²·(H − block + 1)(W − block + 1)) so about a fraction <c>rate</c> of units is
/// dropped; kept units are scaled by (all units)/(kept units). The identity at inference.
/// Channels-last [batch, height, width, channels] like Keras; same as keras-cv's DropBlock2D and
/// torchvision's DropBlock2d(p, block_size) up to the layout.
/// </summary>
public sealed class DropBlock2D : StochasticLayer
{
    public DropBlock2D(double rate, int blockSize = 7, int? blockWidth = null, int? seed = null, string? name = null) : base(seed, name)
    {
        Rate = CheckRate(rate, allowOne: false);
        if (blockSize < 1 || blockWidth is < 1)
            throw new StrataException($"Expected a positive block_size. Received: block_size={blockSize}{(blockWidth is int w ? $", {w}" : "")}");
        BlockHeight = blockSize;
        BlockWidth = blockWidth ?? blockSize;
    }

    public override string ClassName => "DropBlock2D";

    public double Rate { get; }

    public int BlockHeight { get; }

    public int BlockWidth { get; }

    protected override bool IsActive => Rate > 0;

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length != 4 || inputShape[1] <= 0 || inputShape[2] <= 0)
            throw new StrataException($"DropBlock2D layer '{Name}' expects feature maps [batch, height, width, channels] with known height and width; received input of shape {ShapeOps.Format(inputShape)}.");
        return inputShape;
    }

    protected override Node Inject(Node input) =>
        Ops.Multiply(input, Ops.DropBlockMask(input.Graph, input.Value.ShapeArray(), (float)Rate, BlockHeight, BlockWidth, RandomStream));

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        config["block_size"] = BlockHeight == BlockWidth ? JsonValue.Create(BlockHeight) : new JsonArray(BlockHeight, BlockWidth);
        return config;
    }

    public static DropBlock2D FromConfig(ConfigReader c)
    {
        if (!c.Has("rate")) throw new StrataException($"DropBlock2D layer '{c.Name}' needs 'rate'.");
        int height, width;
        if (c.Raw("block_size") is JsonArray)
        {
            var size = c.Shape("block_size")!;
            if (size.Length != 2) throw new StrataException($"DropBlock2D layer '{c.Name}': block_size must be an integer or a pair (height, width).");
            (height, width) = (size[0], size[1]);
        }
        else
        {
            height = width = c.Int("block_size", 7);
        }
        return new DropBlock2D(c.Double("rate", 0), height, width, c.OptionalInt("seed"), c.Name);
    }
}
