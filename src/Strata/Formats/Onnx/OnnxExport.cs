using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.ActivationLayers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Recurrent;
using Strata.Layers.Regularization;
using Strata.Layers.Reshaping;
using Strata.Models;
using NormalizationLayer = Strata.Layers.Normalization.Normalization;
using Strata.Tensors;

namespace Strata.Formats.Onnx;

/// <summary>
/// Writes a model's inference graph as ONNX (IR version 8, opset 17), so it runs where .NET
/// applications serve models (ONNX Runtime). Tensors stay channels-last as in Strata:
/// convolutions and pooling are wrapped in transposes to ONNX's channels-first. The dropout family
/// is left out (the identity at inference); BatchNormalization becomes the per-channel scale and
/// shift its moving statistics give; a layer that only applies an activation takes the activation's
/// form; recurrent layers become ONNX's RNN, LSTM and GRU operators. A layer that cannot be expressed
/// is an error naming it.
/// </summary>
public static partial class OnnxExport
{
    /// <summary>The ONNX operator set the files use.</summary>
    public const int Opset = 17;

    /// <summary>Writes <paramref name="model"/>'s inference graph to <paramref name="path"/>.</summary>
    public static void Save(Sequential model, string path)
    {
        if (!model.IsBuilt) throw new StrataException($"Model '{model.Name}' has no weights yet; build or train it before exporting.");
        var graph = new OnnxGraph();
        const string input = "input";
        string value = input;
        string? maskFrom = null;
        foreach (var layer in model.Layers)
        {
            maskFrom = FollowMask(layer, maskFrom);
            value = Lower(graph, layer, value);
        }
        if (value == input) value = graph.Node("Identity", "output", [value]);
        var modelProto = new ProtoMessage()
            .Int(1, 8)
            .String(2, "strata")
            .String(3, typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "")
            .Message(7, graph.ToGraph(model.Name, input, model.InputShape!.ToArray(), value, model.OutputShape!.ToArray()))
            .Message(8, new ProtoMessage().String(1, "").Int(2, Opset));
        var bytes = modelProto.ToArray();
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>A layer's ONNX form: the nodes that compute its output from <c>x</c>; returns the output's name.</summary>
    private delegate string Lowering(OnnxGraph g, Layer layer, string x);

    /// <summary>
    /// The layers with a form of their own, by type; an entry covers the type's subclasses. Layers
    /// not listed are exported by what they are: the dropout family is left out, and a layer that
    /// only applies an activation (Activation, ReLU, Softmax, ...) takes its activation's form.
    /// </summary>
    private static readonly Dictionary<Type, Lowering> Lowerings = new()
    {
        [typeof(DropConnect)] = Of<DropConnect>((g, d, x) => Dense(g, d.Layer, x)),
        [typeof(Dense)] = Of<Dense>(Dense),
        [typeof(Flatten)] = Of<Flatten>((g, _, x) => g.Node("Flatten", "flatten", [x], ("axis", 1))),
        [typeof(Reshape)] = Of<Reshape>((g, r, x) => g.Node("Reshape", "reshape", [x, g.Int64s("shape", [0, .. r.TargetShape.Select(d => (long)d)])])),
        [typeof(BatchNormalization)] = Of<BatchNormalization>(BatchNorm),
        [typeof(NormalizationLayer)] = Of<NormalizationLayer>(Normalize),
        [typeof(LayerNormalization)] = Of<LayerNormalization>(LayerNorm),
        [typeof(GroupNormalization)] = Of<GroupNormalization>(GroupNorm),
        [typeof(Conv1D)] = Of<Convolution>(Convolve),
        [typeof(Conv2D)] = Of<Convolution>(Convolve),
        [typeof(DepthwiseConv2D)] = Of<Convolution>(Convolve),
        [typeof(Pooling)] = Of<Pooling>(Pool),
        // ONNX's pooling operators have no weighted sum over a window's sorted values; refused rather than exported as plain max pooling.
        [typeof(MaxPoolingDropout2D)] = (_, _, _) => throw new StrataException("its inference form, the probabilistic weighted pooling, sorts each window's values, which no ONNX pooling operator does."),
        [typeof(GlobalPooling)] = Of<GlobalPooling>((g, gp, x) => g.Node(gp.ClassName.StartsWith("GlobalMax", StringComparison.Ordinal) ? "ReduceMax" : "ReduceMean", "pool", [x],
            ("axes", Enumerable.Range(1, gp.InputShape!.Count - 2).ToArray()), ("keepdims", gp.OutputShape!.Count == gp.InputShape.Count ? 1 : 0))),
        [typeof(ZeroPadding2D)] = Of<ZeroPadding2D>((g, z, x) => g.Node("Pad", "pad", [x, g.Int64s("pads", [0, z.Top, z.Left, 0, 0, z.Bottom, z.Right, 0])])),
        [typeof(Residual)] = Of<Residual>((g, r, x) => g.Node("Add", "residual", [x, r.Children.Aggregate(x, (h, child) => Lower(g, child, h))])),
        [typeof(Swapout)] = Of<Swapout>(Swapout),
        [typeof(Embedding)] = Of<Embedding>(Embed),
        [typeof(TimeDistributed)] = Of<TimeDistributed>(TimeDistribute),
        [typeof(SimpleRNN)] = Recurrent,
        [typeof(LSTM)] = Recurrent,
        [typeof(GRU)] = Recurrent,
        [typeof(Bidirectional)] = Of<Bidirectional>(Bidirectional),
        [typeof(PReLU)] = Of<PReLU>((g, p, x) => g.Node("PRelu", "prelu", [x, g.Floats($"{p.Name}_alpha", p.Alpha!.Value.ShapeArray(), p.Alpha.Value.Data)])),
    };

    private static Lowering Of<TLayer>(Func<OnnxGraph, TLayer, string, string> lower) where TLayer : Layer =>
        (g, layer, x) => lower(g, (TLayer)layer, x);

    private static string Lower(OnnxGraph g, Layer layer, string x)
    {
        try
        {
            for (var type = layer.GetType(); type is not null; type = type.BaseType)
                if (Lowerings.TryGetValue(type, out var lower)) return lower(g, layer, x);
            return layer switch
            {
                IDropoutFamily => x,
                IActivated a and not IWeightLayer => Activate(g, a.ActivationArguments, x),
                _ => throw new StrataException($"it has no ONNX form in Strata yet (exportable: {string.Join(", ", Lowerings.Keys.Select(t => t.Name).Order(StringComparer.Ordinal))}, the layers that apply an activation and the dropout family)."),
            };
        }
        catch (StrataException e) when (!e.Message.StartsWith("Layer '", StringComparison.Ordinal))
        {
            throw new StrataException($"Layer '{layer.Name}' ({layer.ClassName}) cannot be exported to ONNX: {e.Message}", e);
        }
    }

    /// <summary>Swapout's inference form, the expectation θ₁·x + θ₂·F(x).</summary>
    private static string Swapout(OnnxGraph g, Swapout s, string x)
    {
        string residual = s.Children.Aggregate(x, (h, child) => Lower(g, child, h));
        string Scaled(string value, double keep) =>
            keep >= 1 ? value : g.Node("Mul", "swapout_keep", [value, g.Floats($"{s.Name}_keep", [], [(float)keep])]);
        return g.Node("Add", "swapout", [Scaled(x, s.KeepIdentity), Scaled(residual, s.KeepResidual)]);
    }

    private static string Dense(OnnxGraph g, Dense d, string x)
    {
        var kernel = d.Kernel!.Value;
        string y = g.Node("MatMul", "dense", [x, g.Floats($"{d.Name}_kernel", kernel.ShapeArray(), kernel.Data)]);
        if (d.UseBias) y = g.Node("Add", "bias", [y, g.Floats($"{d.Name}_bias", [d.Units], d.Bias!.Value.Data)]);
        return Activate(g, d.Activation, y);
    }

    /// <summary>Inference BatchNormalization as y = x·scale + shift per channel of the last axis.</summary>
    private static string BatchNorm(OnnxGraph g, BatchNormalization bn, string x)
    {
        int rank = bn.InputShape!.Count;
        if (bn.Axes.Count != 1 || ShapeAxis(bn.Axis, rank) != rank - 1)
            throw new StrataException("only BatchNormalization over the last (channel) axis is exported.");
        var mean = bn.MovingMean!.Value.Data;
        var variance = bn.MovingVariance!.Value.Data;
        int c = mean.Length;
        var scale = new float[c];
        var shift = new float[c];
        for (int i = 0; i < c; i++)
        {
            float gamma = bn.Gamma?.Value.Data[i] ?? 1f, beta = bn.Beta?.Value.Data[i] ?? 0f;
            scale[i] = gamma / MathF.Sqrt(variance[i] + (float)bn.Epsilon);
            shift[i] = beta - mean[i] * scale[i];
        }
        string y = g.Node("Mul", "bn_scale", [x, g.Floats($"{bn.Name}_scale", [c], scale)]);
        return g.Node("Add", "bn_shift", [y, g.Floats($"{bn.Name}_shift", [c], shift)]);
    }

    private static string Normalize(OnnxGraph g, NormalizationLayer n, string x)
    {
        int rank = n.InputShape!.Count;
        if (ShapeAxis(n.Axis, rank) != rank - 1) throw new StrataException("only Normalization over the last axis is exported.");
        var mean = n.Mean!.Value.Data;
        var std = n.Variance!.Value.Data.Select(v => Math.Max(MathF.Sqrt(v), 1e-7f)).ToArray();
        string m = g.Floats($"{n.Name}_mean", [mean.Length], mean), s = g.Floats($"{n.Name}_std", [std.Length], std);
        return n.Invert
            ? g.Node("Add", "denormalized", [g.Node("Mul", "scaled", [x, s]), m])
            : g.Node("Div", "normalized", [g.Node("Sub", "centered", [x, m]), s]);
    }

    private static string LayerNorm(OnnxGraph g, LayerNormalization ln, string x)
    {
        int rank = ln.InputShape!.Count;
        var axes = ln.Axis.Select(a => ShapeAxis(a, rank)).Order().ToArray();
        if (ln.RmsScaling || axes[^1] != rank - 1 || axes.Where((a, i) => a != axes[0] + i).Any())
            throw new StrataException("only LayerNormalization over trailing axes, without rms_scaling, is exported.");
        var normalizedShape = ln.InputShape!.Skip(axes[0]).ToArray();
        int size = normalizedShape.Aggregate(1, (p, d) => p * d);
        var gamma = ln.Gamma?.Value.Data ?? Enumerable.Repeat(1f, size).ToArray();
        var beta = ln.Beta?.Value.Data ?? new float[size];
        if (gamma.Length != size) throw new StrataException("its scale does not cover the normalized axes.");
        return g.Node("LayerNormalization", "layer_norm", [x, g.Floats($"{ln.Name}_gamma", normalizedShape, gamma), g.Floats($"{ln.Name}_beta", normalizedShape, beta)],
            ("axis", axes[0]), ("epsilon", (float)ln.Epsilon));
    }

    /// <summary>Conv1D, Conv2D and DepthwiseConv2D as ONNX Conv between channels-first transposes.</summary>
    private static string Convolve(OnnxGraph g, Convolution c, string x)
    {
        var kernel = c.Kernel!.Value; // [k..., in/groups, filters]; depthwise [kh, kw, C, M] is [kh, kw, 1, C·M]
        int spatial = c.Rank, channels = c.InputShape![^1];
        bool depthwise = c is DepthwiseConv2D;
        int cin = depthwise ? 1 : kernel.Dim(spatial), filters = depthwise ? kernel.Size / (c.KernelSize.Aggregate(1, (p, k) => p * k)) : kernel.Dim(spatial + 1);
        int groups = c.GroupsFor(channels), window = c.KernelSize.Aggregate(1, (p, k) => p * k);
        var onnxKernel = new float[kernel.Size]; // [filters, in/groups, k...]
        for (int w = 0; w < window; w++)
            for (int ci = 0; ci < cin; ci++)
                for (int f = 0; f < filters; f++)
                    onnxKernel[(f * cin + ci) * window + w] = kernel.Data[(w * cin + ci) * filters + f];
        var inputs = new List<string> { ToChannelsFirst(g, x, spatial), g.Floats($"{c.Name}_kernel", [filters, cin, .. c.KernelSize], onnxKernel) };
        if (c.UseBias) inputs.Add(g.Floats($"{c.Name}_bias", [filters], c.Bias!.Value.Data));
        string y = g.Node("Conv", "conv", inputs, ("kernel_shape", c.KernelSize.ToArray()), ("strides", c.Strides.ToArray()), ("dilations", c.DilationRate.ToArray()),
            ("group", groups), ("pads", Pads(c.Padding, c.InputShape!, c.KernelSize, c.Strides, c.DilationRate)));
        return Activate(g, c.Activation, ToChannelsLast(g, y, spatial));
    }

    private static string Pool(OnnxGraph g, Pooling p, string x)
    {
        var attributes = new List<(string, object)> { ("kernel_shape", p.PoolSize.ToArray()), ("strides", p.Strides.ToArray()), ("pads", Pads(p.Padding, p.InputShape!, p.PoolSize, p.Strides, Enumerable.Repeat(1, p.Rank).ToArray())) };
        // Strata averages only the positions inside the map, as count_include_pad = 0.
        if (!p.IsMax) attributes.Add(("count_include_pad", 0));
        string y = g.Node(p.IsMax ? "MaxPool" : "AveragePool", "pool", [ToChannelsFirst(g, x, p.Rank)], [.. attributes]);
        return ToChannelsLast(g, y, p.Rank);
    }

    /// <summary>
    /// GroupNormalization (opset 17 has no op for it): the channels split into [groups, channels/groups],
    /// standardized over everything but the batch and group axes, then scaled and shifted per channel.
    /// </summary>
    private static string GroupNorm(OnnxGraph g, GroupNormalization gn, string x)
    {
        var shape = gn.InputShape!.ToArray();
        int rank = shape.Length, channels = shape[^1];
        if (ShapeAxis(gn.Axis, rank) != rank - 1) throw new StrataException("only GroupNormalization over the last (channel) axis is exported.");
        long[] grouped = [0, .. shape[1..^1].Select(d => (long)d), gn.Groups, channels / gn.Groups];
        var reduce = Enumerable.Range(1, grouped.Length - 1).Where(d => d != grouped.Length - 2).ToArray();
        string h = g.Node("Reshape", "grouped", [x, g.Int64s("grouped_shape", grouped)]);
        string centered = g.Node("Sub", "centered", [h, g.Node("ReduceMean", "mean", [h], ("axes", reduce), ("keepdims", 1))]);
        string variance = g.Node("ReduceMean", "variance", [g.Node("Mul", "squared", [centered, centered])], ("axes", reduce), ("keepdims", 1));
        string std = g.Node("Sqrt", "std", [g.Node("Add", "variance_eps", [variance, g.Floats("epsilon", [], [(float)gn.Epsilon])])]);
        string y = g.Node("Reshape", "ungrouped", [g.Node("Div", "standardized", [centered, std]), g.Int64s("shape", [0, .. shape[1..].Select(d => (long)d)])]);
        if (gn.Gamma is not null) y = g.Node("Mul", "gn_scale", [y, g.Floats($"{gn.Name}_gamma", [channels], gn.Gamma.Value.Data)]);
        if (gn.Beta is not null) y = g.Node("Add", "gn_shift", [y, g.Floats($"{gn.Name}_beta", [channels], gn.Beta.Value.Data)]);
        return y;
    }

    /// <summary>ONNX pads (begin..., end...) for "valid" or TensorFlow's "same" (the odd extra row after).</summary>
    private static int[] Pads(Padding padding, IReadOnlyList<int> inputShape, IReadOnlyList<int> kernel, IReadOnlyList<int> strides, IReadOnlyList<int> dilation)
    {
        int spatial = kernel.Count;
        var pads = new int[2 * spatial];
        if (padding == Padding.Valid) return pads;
        // Causal (Conv1D): all the padding before, so no output sees a later step.
        if (padding == Padding.Causal) { pads[0] = (kernel[0] - 1) * dilation[0]; return pads; }
        for (int a = 0; a < spatial; a++)
        {
            int size = inputShape[1 + a], outSize = (size + strides[a] - 1) / strides[a];
            int total = Math.Max((outSize - 1) * strides[a] + (kernel[a] - 1) * dilation[a] + 1 - size, 0);
            pads[a] = total / 2;
            pads[spatial + a] = total - total / 2;
        }
        return pads;
    }

    private static string ToChannelsFirst(OnnxGraph g, string x, int spatial) =>
        g.Node("Transpose", "channels_first", [x], ("perm", new[] { 0, spatial + 1 }.Concat(Enumerable.Range(1, spatial)).ToArray()));

    private static string ToChannelsLast(OnnxGraph g, string x, int spatial) =>
        g.Node("Transpose", "channels_last", [x], ("perm", new[] { 0 }.Concat(Enumerable.Range(2, spatial)).Append(1).ToArray()));

    private static int ShapeAxis(int axis, int rank) => axis < 0 ? axis + rank : axis;
}
