using Strata.Tensors;
using Strata.Autodiff;

namespace Strata.Formats.Onnx;

/// <summary>The ONNX form of every activation, with its arguments; one entry per <see cref="ActivationFunction"/>.</summary>
public static partial class OnnxExport
{
    private delegate string ActivationLowering(OnnxGraph g, string x, ActivationArguments a);

    private static readonly Dictionary<ActivationFunction, ActivationLowering> ActivationLowerings = new()
    {
        [ActivationFunction.Linear] = (_, x, _) => x,
        [ActivationFunction.Relu] = Relu,
        [ActivationFunction.Sigmoid] = (g, x, _) => g.Node("Sigmoid", "sigmoid", [x]),
        [ActivationFunction.Tanh] = (g, x, _) => g.Node("Tanh", "tanh", [x]),
        [ActivationFunction.Softmax] = (g, x, a) => g.Node("Softmax", "softmax", [x], ("axis", a.Axis)),
        [ActivationFunction.Elu] = (g, x, a) => g.Node("Elu", "elu", [x], ("alpha", a.Alpha)),
        [ActivationFunction.Selu] = (g, x, _) => g.Node("Selu", "selu", [x], ("alpha", 1.6732632423543772f), ("gamma", 1.0507009873554805f)),
        [ActivationFunction.Gelu] = Gelu,
        [ActivationFunction.LeakyRelu] = (g, x, a) => g.Node("LeakyRelu", "leaky_relu", [x], ("alpha", a.NegativeSlope)),
        [ActivationFunction.Softplus] = (g, x, _) => g.Node("Softplus", "softplus", [x]),
        [ActivationFunction.Softsign] = (g, x, _) => g.Node("Softsign", "softsign", [x]),
        [ActivationFunction.Swish] = (g, x, _) => g.Node("Mul", "swish", [x, g.Node("Sigmoid", "sigmoid", [x])]),
        // Keras 3's relu6(x + 3)/6 is ONNX's HardSigmoid with alpha 1/6 and beta 1/2 (ONNX's defaults are Keras 2's 0.2 and 0.5).
        [ActivationFunction.HardSigmoid] = (g, x, _) => g.Node("HardSigmoid", "hard_sigmoid", [x], ("alpha", 1f / 6f), ("beta", 0.5f)),
        [ActivationFunction.HardSilu] = (g, x, _) => g.Node("HardSwish", "hard_silu", [x]),
        // Mish is an op from opset 18; here x·tanh(softplus(x)).
        [ActivationFunction.Mish] = (g, x, _) => g.Node("Mul", "mish", [x, g.Node("Tanh", "tanh", [g.Node("Softplus", "softplus", [x])])]),
        [ActivationFunction.Relu6] = (g, x, _) => Clip(g, x, 0, 6),
        [ActivationFunction.Exponential] = (g, x, _) => g.Node("Exp", "exp", [x]),
        [ActivationFunction.LogSoftmax] = (g, x, a) => g.Node("LogSoftmax", "log_softmax", [x], ("axis", a.Axis)),
    };

    private static string Activate(OnnxGraph g, ActivationArguments a, string x) =>
        ActivationLowerings.TryGetValue(a.Function, out var lower) ? lower(g, x, a) : throw new StrataException($"the activation {a.Function} has no ONNX form.");

    /// <summary>Keras's relu: Relu, Clip or LeakyRelu where one fits, else where(x &gt; threshold, min(x, max_value), negative_slope·(x − threshold)).</summary>
    private static string Relu(OnnxGraph g, string x, ActivationArguments a)
    {
        if (a.Threshold == 0 && a.NegativeSlope == 0) return a.MaxValue is { } max ? Clip(g, x, 0, max) : g.Node("Relu", "relu", [x]);
        if (a.Threshold == 0 && a.MaxValue is null) return g.Node("LeakyRelu", "leaky_relu", [x], ("alpha", a.NegativeSlope));
        string threshold = g.Floats("threshold", [], [a.Threshold]);
        string above = a.MaxValue is { } cap ? g.Node("Min", "capped", [x, g.Floats("max_value", [], [cap])]) : x;
        string below = g.Node("Mul", "below", [g.Node("Sub", "shifted", [x, threshold]), g.Floats("negative_slope", [], [a.NegativeSlope])]);
        return g.Node("Where", "relu", [g.Node("Greater", "above_threshold", [x, threshold]), above, below]);
    }

    private static string Clip(OnnxGraph g, string x, float min, float max) =>
        g.Node("Clip", "clip", [x, g.Floats("min", [], [min]), g.Floats("max", [], [max])]);

    /// <summary>Opset 17 has no Gelu: the exact form 0.5·x·(1 + erf(x/√2)).</summary>
    private static string Gelu(OnnxGraph g, string x, ActivationArguments _) => g.Node("Mul", "gelu", [
        g.Node("Mul", "half_x", [x, g.Floats("half", [], [0.5f])]),
        g.Node("Add", "one_plus_erf", [g.Node("Erf", "erf", [g.Node("Mul", "scaled", [x, g.Floats("inv_sqrt2", [], [0.70710678f])])]), g.Floats("one", [], [1f])])]);
}
