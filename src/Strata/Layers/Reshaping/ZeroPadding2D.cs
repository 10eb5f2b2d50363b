using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Reshaping;

/// <summary>
/// Adds rows and columns of zeros around channels-last maps [batch, height, width, channels].
/// padding: one integer for all sides, (rows, columns) symmetric, or ((top, bottom), (left, right)),
/// as Keras. PyTorch: nn.ZeroPad2d((left, right, top, bottom)).
/// </summary>
public sealed class ZeroPadding2D : Layer
{
    /// <summary>A ZeroPadding2D layer adding <paramref name="top"/> rows above, <paramref name="bottom"/> below, <paramref name="left"/> columns left and <paramref name="right"/> right; 1 on each side by default.</summary>
    public ZeroPadding2D(int top = 1, int bottom = 1, int left = 1, int right = 1, string dataFormat = "channels_last", string? name = null) : base(name)
    {
        if (top < 0 || bottom < 0 || left < 0 || right < 0)
            throw new StrataException($"Expected non-negative padding. Received: padding=(({top}, {bottom}), ({left}, {right}))");
        if (dataFormat != "channels_last")
            throw new StrataException($"Only data_format=\"channels_last\" is supported. Received: data_format={dataFormat}");
        (Top, Bottom, Left, Right) = (top, bottom, left, right);
    }

    /// <inheritdoc/>
    public override string ClassName => "ZeroPadding2D";

    /// <summary>The rows of zeros added above.</summary>
    public int Top { get; }

    /// <summary>The rows of zeros added below.</summary>
    public int Bottom { get; }

    /// <summary>The columns of zeros added on the left.</summary>
    public int Left { get; }

    /// <summary>The columns of zeros added on the right.</summary>
    public int Right { get; }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length != 4 || inputShape.Skip(1).Any(d => d <= 0))
            throw new StrataException($"ZeroPadding2D layer '{Name}' expects [batch, height, width, channels] with known sizes; received {ShapeOps.Format(inputShape)}.");
        return [inputShape[0], inputShape[1] + Top + Bottom, inputShape[2] + Left + Right, inputShape[3]];
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => Ops.ZeroPad2D(input, Top, Bottom, Left, Right);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["padding"] = new JsonArray(new JsonArray(Top, Bottom), new JsonArray(Left, Right));
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>Reads a ZeroPadding2D layer from its Keras config: padding as one integer, (rows, columns) or ((top, bottom), (left, right)).</summary>
    public static ZeroPadding2D FromConfig(ConfigReader c)
    {
        var node = c.Raw("padding");
        string format = c.String("data_format", null) ?? "channels_last";
        if (node is null) return new ZeroPadding2D(dataFormat: format, name: c.Name);
        if (node is JsonArray outer && outer.Count == 2 && outer[0] is JsonArray rows && outer[1] is JsonArray columns)
        {
            int Get(JsonArray a, int i) => ConfigReader.Number(a.Count == 2 ? a[i] : null) is double d ? (int)d
                : throw new StrataException($"ZeroPadding2D layer '{c.Name}': padding must be ((top, bottom), (left, right)). Received: {node.ToJsonString()}");
            return new ZeroPadding2D(Get(rows, 0), Get(rows, 1), Get(columns, 0), Get(columns, 1), format, c.Name);
        }
        var symmetric = c.Tuple("padding", 2, 1);
        return new ZeroPadding2D(symmetric[0], symmetric[0], symmetric[1], symmetric[1], format, c.Name);
    }
}
