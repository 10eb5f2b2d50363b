using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Recurrent;

/// <summary>
/// Keras's Bidirectional wrapper around a recurrent layer (SimpleRNN, LSTM, GRU): the forward layer reads
/// the sequence as given, the backward layer (a copy from the same config with go_backwards flipped) reads
/// it from the other end, and their outputs are merged. With return_sequences the backward output, which
/// comes in its reading order, is reversed in time first so that both outputs line up step by step.
/// The layers are named forward_&lt;name&gt; and backward_&lt;name&gt;; the weights are the forward
/// layer's then the backward layer's. A mask reaches both layers; with return_sequences the padded steps' outputs
/// are zero, as Keras's Bidirectional forces (zero_output_for_mask).
/// </summary>
public sealed class Bidirectional : Layer, IMaskConsumer
{
    private static readonly string[] MergeModes = ["concat", "sum", "mul", "ave"];
    private readonly Layer _forward;
    private readonly Layer _backward;
    private readonly string _layerName;

    /// <summary>
    /// A Bidirectional wrapper around <paramref name="layer"/> merging both directions by
    /// <paramref name="mergeMode"/>: "concat" (the default, the last axis doubles), "sum", "mul" or "ave".
    /// </summary>
    /// <exception cref="ArgumentException">The layer is not a recurrent layer, or the merge mode is unknown or null.</exception>
    public Bidirectional(Layer layer, string? mergeMode = "concat", string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!IsRecurrent(layer.GetType()))
            throw new ArgumentException($"Bidirectional needs a recurrent layer (SimpleRNN, LSTM, GRU); received a {layer.ClassName} layer.", nameof(layer));
        // Keras returns the two outputs as a list for merge_mode=None; a Sequential passes one tensor on.
        if (mergeMode is null)
            throw new ArgumentException("merge_mode=None returns the forward and backward outputs as two tensors, which a Sequential model cannot pass on; use \"concat\", \"sum\", \"mul\" or \"ave\". Received: merge_mode=None", "merge_mode");
        if (!MergeModes.Contains(mergeMode))
            throw new ArgumentException($"Invalid merge mode. Merge mode should be one of {{\"sum\", \"mul\", \"ave\", \"concat\", None}}. Received: merge_mode={mergeMode}", "merge_mode");
        MergeMode = mergeMode;
        // As Keras does, a layer already named forward_lstm (Keras 3's config holds the forward layer) stays forward_lstm.
        _layerName = string.IsNullOrEmpty(layer.Name) ? UniqueName(layer.ClassName, Array.Empty<string>())
            : layer.Name.StartsWith("forward_", StringComparison.Ordinal) && layer.Name.Length > "forward_".Length ? layer.Name["forward_".Length..] : layer.Name;
        var config = LayerRegistry.ToConfig(layer);
        _backward = Copy(config, $"backward_{_layerName}", flipDirection: true);
        _forward = layer;
        _forward.Name = $"forward_{_layerName}";
    }

    /// <inheritdoc/>
    public override string ClassName => "Bidirectional";

    /// <summary>How the two directions' outputs are combined: "concat", "sum", "mul" or "ave".</summary>
    public string MergeMode { get; }

    /// <summary>The layer that reads the sequence in the wrapped layer's own direction.</summary>
    public Layer ForwardLayer => _forward;

    /// <summary>The copy that reads it the other way (go_backwards flipped).</summary>
    public Layer BackwardLayer => _backward;

    /// <inheritdoc/>
    public override IReadOnlyList<Layer> Children => [_forward, _backward];

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var shape = _forward.ComputeOutputShape(inputShape);
        if (MergeMode == "concat") shape[^1] *= 2;
        return shape;
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        _forward.Build(inputShape, random);
        _backward.Build(inputShape, random);
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => Merge(_forward.Call(input, mode), _backward.Call(input, mode));

    /// <inheritdoc/>
    public Node Call(Node input, Node mask, CallMode mode)
    {
        var forward = ((IMaskConsumer)_forward).Call(input, mask, mode);
        var backward = ((IMaskConsumer)_backward).Call(input, mask, mode);
        if (forward.Shape.Length != 3) return Merge(forward, backward);
        // Keras's Bidirectional forces zero_output_for_mask when it returns sequences: padded steps give 0, not the
        // previous output. The backward output is put in time order first, so each step meets its own mask entry.
        var steps = Ops.Reshape(mask, mask.Shape[0], mask.Shape[1], 1);
        return Combine(Ops.Multiply(forward, steps), Ops.Multiply(ReverseTime(backward), steps));
    }

    /// <inheritdoc/>
    public Node? OutputMask(Node mask) => ((IMaskConsumer)_forward).OutputMask(mask);

    private Node Merge(Node forward, Node backward) => Combine(forward, backward.Shape.Length == 3 ? ReverseTime(backward) : backward);

    /// <summary>The two outputs, both in time order, merged by <see cref="MergeMode"/>.</summary>
    private Node Combine(Node forward, Node backward)
    {
        return MergeMode switch
        {
            "concat" => Ops.Concatenate([forward, backward], forward.Shape.Length - 1),
            "sum" => Ops.Add(forward, backward),
            "mul" => Ops.Multiply(forward, backward),
            _ => Ops.Scale(Ops.Add(forward, backward), 0.5f),
        };
    }

    /// <summary>The steps of [batch, timesteps, units] in reverse order.</summary>
    private static Node ReverseTime(Node x)
    {
        int steps = x.Shape[1];
        if (steps == 1) return x;
        return Ops.Concatenate([.. Enumerable.Range(0, steps).Select(s => Ops.Slice(x, 1, steps - 1 - s, 1))], 1);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        var layer = LayerRegistry.ToConfig(_forward);
        ((JsonObject)layer["config"]!)["name"] = _layerName;
        config["layer"] = layer;
        config["merge_mode"] = MergeMode;
        return config;
    }

    /// <summary>
    /// Reads Keras's config: the wrapped layer under "layer" and merge_mode. A backward_layer is accepted
    /// only when it is the copy Keras would make itself (the layer's config with go_backwards flipped).
    /// </summary>
    public static Bidirectional FromConfig(ConfigReader c)
    {
        var inner = LayerRegistry.FromConfig(WithoutForcedKeys(c.Raw("layer") ?? throw new StrataException($"Bidirectional layer '{c.Name}' needs a 'layer' config.")), 0);
        // An explicit null is Keras's merge_mode=None, which the constructor refuses by name; absent is the default.
        string? mergeMode = c.Contains("merge_mode") ? c.String("merge_mode", null) : "concat";
        var layer = new Bidirectional(inner, mergeMode, c.Name);
        if (c.Raw("backward_layer") is { } given && !SameAsBackward(WithoutForcedKeys(given), layer))
            throw new StrataException($"Bidirectional layer '{c.Name}': a backward_layer other than the wrapped layer with go_backwards flipped is not supported; leave it out to have the copy made.");
        return layer;
    }

    /// <summary>
    /// A wrapped layer's config without zero_output_for_mask, which Keras's Bidirectional overwrites with
    /// return_sequences whatever it says (and Keras 3 then writes); this layer does the same in its masked call.
    /// </summary>
    private static JsonNode WithoutForcedKeys(JsonNode layer)
    {
        var copy = layer.DeepClone();
        if (copy["config"] is JsonObject config) config.Remove("zero_output_for_mask");
        return copy;
    }

    private static bool SameAsBackward(JsonNode given, Bidirectional layer)
    {
        var expected = (JsonObject)LayerRegistry.ToConfig(layer._backward)["config"]!;
        var read = (JsonObject)LayerRegistry.ToConfig(LayerRegistry.FromConfig(given, 0))["config"]!;
        expected.Remove("name");
        read.Remove("name");
        return JsonNode.DeepEquals(expected, read);
    }

    private static Layer Copy(JsonObject pair, string name, bool flipDirection)
    {
        var copy = (JsonObject)pair.DeepClone();
        var config = (JsonObject)copy["config"]!;
        config["name"] = name;
        if (flipDirection) config["go_backwards"] = !(config["go_backwards"]?.GetValue<bool>() ?? false);
        return LayerRegistry.FromConfig(copy, 0);
    }

    private static bool IsRecurrent(Type? type)
    {
        for (; type is not null; type = type.BaseType)
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(RecurrentLayer<>)) return true;
        return false;
    }
}
