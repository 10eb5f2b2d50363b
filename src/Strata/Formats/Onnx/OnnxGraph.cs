using System.Runtime.InteropServices;

namespace Strata.Formats.Onnx;

/// <summary>
/// An ONNX graph under construction: nodes in order, initializers (constant tensors) and fresh
/// value names. Field numbers are those of onnx.proto (GraphProto, NodeProto, AttributeProto,
/// TensorProto, ValueInfoProto, TypeProto, TensorShapeProto).
/// </summary>
internal sealed class OnnxGraph
{
    private const int FloatType = 1, Int64Type = 7;
    private readonly List<ProtoMessage> _nodes = [];
    private readonly List<ProtoMessage> _initializers = [];
    private int _counter;

    /// <summary>A fresh value name starting with <paramref name="stem"/>.</summary>
    public string Name(string stem) => $"{stem}_{_counter++}";

    /// <summary>Adds a node of <paramref name="op"/>; returns its output's name.</summary>
    public string Node(string op, string stem, IReadOnlyList<string> inputs, params (string Name, object Value)[] attributes)
    {
        string output = Name(stem);
        var node = new ProtoMessage();
        foreach (var input in inputs) node.String(1, input);
        node.String(2, output).String(3, output).String(4, op);
        foreach (var (name, value) in attributes) node.Message(5, Attribute(name, value));
        _nodes.Add(node);
        return output;
    }

    /// <summary>
    /// Adds a node with several outputs, one per stem; an empty stem leaves that optional output out.
    /// Returns the outputs' names ("" for those left out).
    /// </summary>
    public string[] Node(string op, IReadOnlyList<string> inputs, string[] outputStems, params (string Name, object Value)[] attributes)
    {
        var outputs = outputStems.Select(stem => stem.Length == 0 ? "" : Name(stem)).ToArray();
        var node = new ProtoMessage();
        foreach (var input in inputs) node.String(1, input);
        foreach (var output in outputs) node.String(2, output);
        node.String(3, outputs.First(o => o.Length > 0)).String(4, op);
        foreach (var (name, value) in attributes) node.Message(5, Attribute(name, value));
        _nodes.Add(node);
        return outputs;
    }

    public string Floats(string stem, int[] dims, ReadOnlySpan<float> values)
    {
        string name = Name(stem);
        _initializers.Add(new ProtoMessage().PackedInts(1, dims.Select(d => (long)d)).Int(2, FloatType).String(8, name)
            .Bytes(9, MemoryMarshal.AsBytes(values).ToArray()));
        return name;
    }

    public string Int64s(string stem, long[] values)
    {
        string name = Name(stem);
        _initializers.Add(new ProtoMessage().PackedInts(1, [values.Length]).Int(2, Int64Type).String(8, name)
            .Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
        return name;
    }

    /// <summary>The GraphProto with one float input and one float output; -1 dimensions are symbolic ("batch").</summary>
    public ProtoMessage ToGraph(string name, string input, int[] inputShape, string output, int[] outputShape)
    {
        var graph = new ProtoMessage();
        foreach (var node in _nodes) graph.Message(1, node);
        graph.String(2, name);
        foreach (var initializer in _initializers) graph.Message(5, initializer);
        graph.Message(11, ValueInfo(input, inputShape));
        graph.Message(12, ValueInfo(output, outputShape));
        return graph;
    }

    private static ProtoMessage ValueInfo(string name, int[] shape)
    {
        var dims = new ProtoMessage();
        foreach (int d in shape) dims.Message(1, d < 0 ? new ProtoMessage().String(2, "batch") : new ProtoMessage().Int(1, d));
        var tensor = new ProtoMessage().Int(1, FloatType).Message(2, dims);
        return new ProtoMessage().String(1, name).Message(2, new ProtoMessage().Message(1, tensor));
    }

    private static ProtoMessage Attribute(string name, object value)
    {
        var a = new ProtoMessage().String(1, name);
        return value switch
        {
            float f => a.Float(2, f).Int(20, 1),
            int i => a.Int(3, i).Int(20, 2),
            long l => a.Int(3, l).Int(20, 2),
            string s => a.Bytes(4, System.Text.Encoding.UTF8.GetBytes(s)).Int(20, 3),
            int[] ints => a.PackedInts(8, ints.Select(x => (long)x)).Int(20, 7),
            float[] floats => a.Bytes(7, MemoryMarshal.AsBytes(floats.AsSpan()).ToArray()).Int(20, 6),
            string[] strings => strings.Aggregate(a, (m, s) => m.Bytes(9, System.Text.Encoding.UTF8.GetBytes(s))).Int(20, 8),
            _ => throw new ArgumentException($"Unsupported ONNX attribute type {value.GetType().Name}."),
        };
    }
}
