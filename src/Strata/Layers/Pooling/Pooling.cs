using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Pooling;

/// <summary>
/// Max or average pooling over channels-last inputs, as Keras: pool_size windows moved by strides
/// (default: pool_size), padding "valid" (windows inside the input) or "same" (output ⌈input/stride⌉;
/// an average counts only the positions inside the input). A 1-D pooling runs as 2-D of height 1.
/// PyTorch: nn.MaxPool2d / nn.AvgPool2d(count_include_pad=False) on channels-first data.
/// </summary>
public abstract class Pooling : Layer, IPooling
{
    private readonly int[] _poolSize, _strides;

    private protected Pooling(int rank, bool max, int[] poolSize, int[]? strides, string padding, string dataFormat, string? name) : base(name)
    {
        Rank = rank;
        IsMax = max;
        _poolSize = poolSize.Length == 1 ? Enumerable.Repeat(poolSize[0], rank).ToArray() : (int[])poolSize.Clone();
        _strides = strides is null ? (int[])_poolSize.Clone() : strides.Length == 1 ? Enumerable.Repeat(strides[0], rank).ToArray() : (int[])strides.Clone();
        if (_poolSize.Length != rank || _poolSize.Any(p => p < 1) || _strides.Length != rank || _strides.Any(s => s < 1))
            throw new StrataException($"Expected pool_size and strides of {rank} positive integers. Received: pool_size=({string.Join(", ", poolSize)}), strides=({string.Join(", ", strides ?? [])})");
        if (padding is not ("valid" or "same"))
            throw new StrataException($"Invalid padding '{padding}'. Expected \"valid\" or \"same\".");
        if (dataFormat != "channels_last")
            throw new StrataException($"Only data_format=\"channels_last\" is supported. Received: data_format={dataFormat}");
        Padding = padding;
        PoolSize = ReadOnlyInts.View(_poolSize);
        Strides = ReadOnlyInts.View(_strides);
    }

    /// <summary>The number of spatial axes (1 or 2).</summary>
    public int Rank { get; }

    /// <inheritdoc/>
    public bool TakesMaximum => IsMax;

    /// <summary>True for max pooling, false for average pooling.</summary>
    public bool IsMax { get; }

    /// <summary>The window size along each spatial axis (Keras's pool_size); 2 by default.</summary>
    public IReadOnlyList<int> PoolSize { get; }

    /// <summary>The window's step along each spatial axis; pool_size by default.</summary>
    public IReadOnlyList<int> Strides { get; }

    /// <summary>"valid" (windows inside the input, Keras's default) or "same" (output size ⌈input/stride⌉).</summary>
    public string Padding { get; }

    private ConvGeometry Geometry(int[] shape)
    {
        if (shape.Length != Rank + 2 || shape.Skip(1).Any(d => d <= 0))
            throw new StrataException($"{ClassName} layer '{Name}' expects inputs of rank {Rank + 2} with known sizes ([batch, {(Rank == 1 ? "steps" : "height, width")}, channels]); received {ShapeOps.Format(shape)}.");
        int h = Rank == 1 ? 1 : shape[1], w = shape[^2], c = shape[^1];
        int ph = Rank == 1 ? 1 : _poolSize[0], sh = Rank == 1 ? 1 : _strides[0];
        var (oh, top) = ConvGeometry.Axis(h, ph, sh, 1, Padding);
        var (ow, left) = ConvGeometry.Axis(w, _poolSize[^1], _strides[^1], 1, Padding);
        if (oh <= 0 || ow <= 0)
            throw new StrataException($"{ClassName} layer '{Name}': pool_size ({string.Join(", ", _poolSize)}) is larger than the input {ShapeOps.Format(shape)}.");
        return new ConvGeometry(shape[0], h, w, c, ph, _poolSize[^1], sh, _strides[^1], 1, 1, top, left, oh, ow);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var g = Geometry(inputShape);
        return Rank == 1 ? [inputShape[0], g.OutputWidth, g.Channels] : [inputShape[0], g.OutputHeight, g.OutputWidth, g.Channels];
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var shape = input.Value.ShapeArray();
        var g = Geometry(shape);
        var x = Rank == 1 ? Ops.Reshape(input, shape[0], 1, shape[1], shape[2]) : input;
        var y = Ops.Pool2D(x, g, IsMax);
        return Rank == 1 ? Ops.Reshape(y, shape[0], g.OutputWidth, g.Channels) : y;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = new JsonArray(_poolSize.Select(p => (JsonNode)p).ToArray());
        config["padding"] = Padding;
        config["strides"] = new JsonArray(_strides.Select(s => (JsonNode)s).ToArray());
        config["data_format"] = "channels_last";
        return config;
    }

    private protected static (int[] PoolSize, int[]? Strides, string Padding, string DataFormat) Read(ConfigReader c, int rank) =>
        (c.Tuple("pool_size", rank, 2), c.Raw("strides") is null ? null : c.Tuple("strides", rank, 2),
            c.String("padding", "valid")!, c.String("data_format", null) ?? "channels_last");
}
