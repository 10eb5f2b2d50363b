using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Recurrent;
using Strata.Tensors;

namespace Strata.Formats.Onnx;

/// <summary>
/// Sequence layers: Embedding as Gather, TimeDistributed by folding the steps into the batch, and
/// SimpleRNN, LSTM, GRU and Bidirectional as ONNX's RNN, LSTM and GRU operators. Those read
/// [steps, batch, features] and use other gate orders and weight layouts than Keras, so the weights are
/// rearranged here and the outputs put back into Keras's order (a go_backwards sequence comes out
/// reversed in Keras, in place in ONNX). Embedding's mask_zero mask has no exact ONNX form, so a layer
/// that would use it is refused.
/// </summary>
public static partial class OnnxExport
{
    /// <summary>For each of ONNX's gates, the Keras block of columns holding it: LSTM is i, o, f, c in ONNX and i, f, c, o in Keras; GRU is z, r, h in both.</summary>
    private static readonly int[] LstmGates = [0, 3, 1, 2], GruGates = [0, 1, 2], RnnGates = [0];

    /// <summary>An activation as ONNX's recurrent operators name it, with the alpha and beta it takes (null where it takes none).</summary>
    private static (string Name, float? Alpha, float? Beta) RecurrentActivation(ActivationFunction f) => f switch
    {
        ActivationFunction.Sigmoid => ("Sigmoid", null, null),
        ActivationFunction.Tanh => ("Tanh", null, null),
        ActivationFunction.Relu => ("Relu", null, null),
        ActivationFunction.Linear => ("Affine", 1f, 0f),
        ActivationFunction.Elu => ("Elu", 1f, null),
        ActivationFunction.LeakyRelu => ("LeakyRelu", ActivationArguments.LeakyReluSlope, null),
        ActivationFunction.Softplus => ("Softplus", null, null),
        ActivationFunction.Softsign => ("Softsign", null, null),
        // Keras 3's relu6(x + 3)/6 is clip(x/6 + 1/2, 0, 1).
        ActivationFunction.HardSigmoid => ("HardSigmoid", 1f / 6f, 0.5f),
        _ => throw new StrataException($"its activation '{Activations.Name(f)}' is not among those ONNX's recurrent operators take (sigmoid, tanh, relu, linear, elu, leaky_relu, softplus, softsign, hard_sigmoid)."),
    };

    /// <summary>
    /// Follows Embedding's mask_zero mask down the layers as the model does, and refuses a layer that
    /// would use it: ONNX's sequence_lens only covers padding at the end and zeroes the outputs there,
    /// where Keras skips padding anywhere and carries the last state. Returns the name of the Embedding
    /// whose mask reaches past <paramref name="layer"/>, or null.
    /// </summary>
    private static string? FollowMask(Layer layer, string? maskFrom)
    {
        if (maskFrom is not null)
        {
            if (layer is IMaskConsumer)
                throw new StrataException($"Layer '{layer.Name}' ({layer.ClassName}) cannot be exported to ONNX: it skips the steps that Embedding '{maskFrom}' masks (mask_zero=True), which has no exact ONNX form; export a model with mask_zero=False.");
            if (layer is not IMaskPassing { PassesMask: true }) maskFrom = null;
        }
        return layer is Embedding { MaskZero: true } ? layer.Name : maskFrom;
    }

    /// <summary>Embedding as Gather from its table; Strata keeps the indices as floats, Gather takes integers.</summary>
    private static string Embed(OnnxGraph g, Embedding e, string x)
    {
        var table = e.Embeddings!.Value;
        string indices = g.Node("Cast", "indices", [x], ("to", 7));
        return g.Node("Gather", "embedding", [g.Floats($"{e.Name}_embeddings", table.ShapeArray(), table.Data), indices], ("axis", 0));
    }

    /// <summary>TimeDistributed as Strata runs it: the steps folded into the batch for the inner layer, then unfolded.</summary>
    private static string TimeDistribute(OnnxGraph g, TimeDistributed t, string x)
    {
        var inner = t.Layer;
        string folded = g.Node("Reshape", "folded", [x, g.Int64s("folded_shape", [-1, .. t.InputShape!.Skip(2).Select(d => (long)d)])]);
        string y = Lower(g, inner, folded);
        string batchAndSteps = g.Node("Shape", "batch_and_steps", [x], ("start", 0), ("end", 2));
        string shape = g.Node("Concat", "unfolded_shape", [batchAndSteps, g.Int64s("step_shape", [.. inner.OutputShape!.Skip(1).Select(d => (long)d)])], ("axis", 0));
        return g.Node("Reshape", "unfolded", [y, shape]);
    }

    private static string Recurrent(OnnxGraph g, Layer layer, string x) => RecurrentNode(g, [layer], null, x);

    private static string Bidirectional(OnnxGraph g, Bidirectional b, string x) => RecurrentNode(g, [b.ForwardLayer, b.BackwardLayer], b.MergeMode, x);

    /// <summary>
    /// One ONNX recurrent node for <paramref name="layers"/>: a layer alone, or a Bidirectional's forward
    /// and backward layers (one config, go_backwards flipped) merged by <paramref name="mergeMode"/>.
    /// </summary>
    private static string RecurrentNode(OnnxGraph g, Layer[] layers, string? mergeMode, string x)
    {
        var (config, op, gates, activations) = Describe(layers[0]);
        bool backwards = config.GoBackwards, sequences = config.ReturnSequences;
        int units = config.Units, features = layers[0].InputShape![^1], directions = layers.Length;
        // ONNX's forward direction comes first, so a go_backwards layer takes the second (reverse) place.
        var ordered = backwards ? layers.Reverse().ToArray() : layers;
        var weights = ordered.Select(l => OnnxWeights(l, gates, units, features)).ToArray();
        int width = gates.Length * units;
        var inputs = new List<string>
        {
            g.Node("Transpose", "time_major", [x], ("perm", new[] { 1, 0, 2 })),
            g.Floats($"{layers[0].Name}_W", [directions, width, features], weights.SelectMany(w => w.W).ToArray()),
            g.Floats($"{layers[0].Name}_R", [directions, width, units], weights.SelectMany(w => w.R).ToArray()),
        };
        if (weights[0].B is not null) inputs.Add(g.Floats($"{layers[0].Name}_B", [directions, 2 * width], weights.SelectMany(w => w.B!).ToArray()));

        var functions = Enumerable.Repeat(activations.Select(RecurrentActivation), directions).SelectMany(f => f).ToArray();
        var attributes = new List<(string, object)>
        {
            ("hidden_size", units),
            ("direction", directions == 2 ? "bidirectional" : backwards ? "reverse" : "forward"),
            ("activations", functions.Select(f => f.Name).ToArray()),
        };
        // ONNX Runtime hands the alphas and betas out in order to the functions that take them.
        if (functions.Any(f => f.Alpha is not null)) attributes.Add(("activation_alpha", functions.Where(f => f.Alpha is not null).Select(f => f.Alpha!.Value).ToArray()));
        if (functions.Any(f => f.Beta is not null)) attributes.Add(("activation_beta", functions.Where(f => f.Beta is not null).Select(f => f.Beta!.Value).ToArray()));
        if (layers[0] is GRU gru) attributes.Add(("linear_before_reset", gru.Config.ResetAfter ? 1 : 0));
        var outputs = g.Node(op, inputs, sequences ? ["sequence"] : ["", "last_state"], [.. attributes]);

        // Y [steps, directions, batch, units] becomes [batch, steps, directions, units]; Y_h [directions, batch, units] becomes [batch, directions, units].
        string y = sequences
            ? g.Node("Transpose", "batch_major", [outputs[0]], ("perm", new[] { 2, 0, 1, 3 }))
            : g.Node("Transpose", "batch_major", [outputs[1]], ("perm", new[] { 1, 0, 2 }));
        // Keras returns a go_backwards sequence in reading order (reversed); and the wrapped layer's direction goes first.
        var reversed = new List<long>();
        if (backwards && sequences) reversed.Add(1);
        if (backwards && directions == 2) reversed.Add(sequences ? 2 : 1);
        if (reversed.Count > 0)
        {
            long[] Fill(long v) => [.. reversed.Select(_ => v)];
            y = g.Node("Slice", "reversed", [y, g.Int64s("starts", Fill(-1)), g.Int64s("ends", Fill(long.MinValue)), g.Int64s("axes", [.. reversed]), g.Int64s("steps", Fill(-1))]);
        }
        int axis = sequences ? 2 : 1;
        return mergeMode switch
        {
            null or "concat" => g.Node("Reshape", "merged", [y, g.Int64s("shape", sequences ? [0, 0, -1] : [0, -1])]),
            "sum" => g.Node("ReduceSum", "sum", [y, g.Int64s("axes", [axis])], ("keepdims", 0)),
            "mul" => g.Node("ReduceProd", "mul", [y], ("axes", new[] { axis }), ("keepdims", 0)),
            "ave" => g.Node("ReduceMean", "ave", [y], ("axes", new[] { axis }), ("keepdims", 0)),
            _ => throw new StrataException($"its merge mode '{mergeMode}' has no ONNX form."),
        };
    }

    /// <summary>The layer's settings, ONNX operator, gate order and activations in ONNX's order (f, g, h).</summary>
    private static (RecurrentConfig Config, string Op, int[] Gates, ActivationFunction[] Activations) Describe(Layer layer) => layer switch
    {
        SimpleRNN s => (s.Config, "RNN", RnnGates, [s.Config.Activation]),
        LSTM l => (l.Config, "LSTM", LstmGates, [l.Config.RecurrentActivation, l.Config.Activation, l.Config.Activation]),
        GRU r => (r.Config, "GRU", GruGates, [r.Config.RecurrentActivation, r.Config.Activation]),
        _ => throw new StrataException("only SimpleRNN, LSTM and GRU have an ONNX recurrent operator."),
    };

    /// <summary>
    /// One direction's W [gates·units, features], R [gates·units, units] and B [2·gates·units] (input
    /// bias, then recurrent bias) in ONNX's gate order, from Keras's kernel [features, gates·units],
    /// recurrent kernel [units, gates·units] and bias ([gates·units], or GRU's reset_after [2, 3·units]
    /// which already holds both halves).
    /// </summary>
    private static (float[] W, float[] R, float[]? B) OnnxWeights(Layer layer, int[] gates, int units, int features)
    {
        var (kernel, recurrent, bias) = layer switch
        {
            SimpleRNN s => (s.Kernel, s.RecurrentKernel, s.Bias),
            LSTM l => (l.Kernel, l.RecurrentKernel, l.Bias),
            GRU r => (r.Kernel, r.RecurrentKernel, r.Bias),
            _ => throw new StrataException("only SimpleRNN, LSTM and GRU have an ONNX recurrent operator."),
        };
        int width = gates.Length * units;
        float[] Transposed(float[] keras, int rows)
        {
            var onnx = new float[width * rows];
            for (int gate = 0; gate < gates.Length; gate++)
                for (int u = 0; u < units; u++)
                    for (int k = 0; k < rows; k++)
                        onnx[(gate * units + u) * rows + k] = keras[k * width + gates[gate] * units + u];
            return onnx;
        }
        float[]? b = null;
        if (bias is not null)
        {
            // Keras's reset_after bias is [input bias; recurrent bias], the same two halves as ONNX's Wb and Rb.
            var keras = bias.Value.Data;
            b = new float[2 * width];
            for (int half = 0; half < keras.Length / width; half++)
                for (int gate = 0; gate < gates.Length; gate++)
                    Array.Copy(keras, half * width + gates[gate] * units, b, half * width + gate * units, units);
        }
        return (Transposed(kernel!.Value.Data, features), Transposed(recurrent!.Value.Data, units), b);
    }
}
