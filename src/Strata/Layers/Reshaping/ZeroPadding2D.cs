using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Reshaping;

/// <summary>The arguments of <see cref="ZeroPadding2D"/>, with Keras's defaults: one row or column on each side, channels-last data.</summary>
public sealed record ZeroPadding2DConfig : LayerConfig
{
    /// <summary>The rows and columns of zeros added on each side.</summary>
    public Padding2D Padding { get; init; } = new(1, 1, 1, 1);

    /// <summary>Where the channels are; only channels_last is implemented.</summary>
    public DataFormat DataFormat { get; init; } = DataFormat.ChannelsLast;

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(Padding is { Top: >= 0, Bottom: >= 0, Left: >= 0, Right: >= 0 }, "padding", $"Expected non-negative padding. Received: padding={Padding}");
        RequireChannelsLast(DataFormat);
    }
}

/// <summary>
/// Adds rows and columns of zeros around channels-last maps [batch, height, width, channels].
/// padding: one integer for all sides, (rows, columns) symmetric, or ((top, bottom), (left, right)),
/// as Keras. PyTorch: nn.ZeroPad2d((left, right, top, bottom)).
/// </summary>
public sealed class ZeroPadding2D : Layer<ZeroPadding2DConfig>
{
    /// <summary>A ZeroPadding2D layer with every argument given by <paramref name="config"/>.</summary>
    public ZeroPadding2D(ZeroPadding2DConfig config) : base(config) { }

    /// <summary>A ZeroPadding2D layer adding <paramref name="top"/> rows above, <paramref name="bottom"/> below, <paramref name="left"/> columns left and <paramref name="right"/> right; 1 on each side by default.</summary>
    public ZeroPadding2D(int top = 1, int bottom = 1, int left = 1, int right = 1, string? name = null)
        : this(new ZeroPadding2DConfig { Padding = new(top, bottom, left, right), Name = name }) { }

    /// <summary>The rows of zeros added above.</summary>
    public int Top => Config.Padding.Top;

    /// <summary>The rows of zeros added below.</summary>
    public int Bottom => Config.Padding.Bottom;

    /// <summary>The columns of zeros added on the left.</summary>
    public int Left => Config.Padding.Left;

    /// <summary>The columns of zeros added on the right.</summary>
    public int Right => Config.Padding.Right;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length != 4 || inputShape.Skip(1).Any(d => d <= 0))
            throw new StrataException($"ZeroPadding2D layer '{Name}' expects [batch, height, width, channels] with known sizes; received {ShapeOps.Format(inputShape)}.");
        return [inputShape[0], inputShape[1] + Top + Bottom, inputShape[2] + Left + Right, inputShape[3]];
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => Ops.ZeroPad2D(input, Top, Bottom, Left, Right);
}
