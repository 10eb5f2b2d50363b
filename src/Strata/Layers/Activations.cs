using Strata.Tensors;
using Strata.Autodiff;

namespace Strata.Layers;

/// <summary>Keras activation names to <see cref="ActivationFunction"/> and back.</summary>
public static class Activations
{
    /// <summary>Every name Keras reads, one line per activation; the first name of a function is the one written.</summary>
    private static readonly (string Name, ActivationFunction Function)[] Table =
    [
        ("linear", ActivationFunction.Linear),
        ("relu", ActivationFunction.Relu),
        ("sigmoid", ActivationFunction.Sigmoid),
        ("tanh", ActivationFunction.Tanh),
        ("softmax", ActivationFunction.Softmax),
        ("elu", ActivationFunction.Elu),
        ("selu", ActivationFunction.Selu),
        ("gelu", ActivationFunction.Gelu),
        ("leaky_relu", ActivationFunction.LeakyRelu),
        ("softplus", ActivationFunction.Softplus),
        ("softsign", ActivationFunction.Softsign),
        // Keras 2 knows only "swish", so that is the name written; Keras 3 writes "silu".
        ("swish", ActivationFunction.Swish),
        ("silu", ActivationFunction.Swish),
        ("hard_sigmoid", ActivationFunction.HardSigmoid),
        ("hard_silu", ActivationFunction.HardSilu),
        ("hard_swish", ActivationFunction.HardSilu),
        ("mish", ActivationFunction.Mish),
        ("relu6", ActivationFunction.Relu6),
        ("exponential", ActivationFunction.Exponential),
        ("log_softmax", ActivationFunction.LogSoftmax),
    ];

    private static readonly Dictionary<string, ActivationFunction> ByName = Table.ToDictionary(e => e.Name, e => e.Function, StringComparer.Ordinal);

    private static readonly Dictionary<ActivationFunction, string> ByFunction = Table.DistinctBy(e => e.Function).ToDictionary(e => e.Function, e => e.Name);

    /// <summary>The names Keras reads, aliases included.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Table.Select(e => e.Name)];

    /// <summary>
    /// The function Keras's name <paramref name="name"/> stands for (null and "None" mean linear);
    /// an <see cref="ArgumentException"/> naming <paramref name="layer"/> and the accepted names otherwise.
    /// </summary>
    public static ActivationFunction Parse(string? name, string layer)
    {
        if (name is null or "None") return ActivationFunction.Linear;
        if (ByName.TryGetValue(name, out var function)) return function;
        throw new ArgumentException(
            $"Unknown activation '{name}' in layer '{layer}'{NameSuggestion.DidYouMean(name, Names)}. Expected one of: {string.Join(", ", Names)}.", "activation");
    }

    /// <summary>The name Keras writes for <paramref name="function"/>.</summary>
    public static string Name(ActivationFunction function) =>
        ByFunction.TryGetValue(function, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(function), function, "Not an activation.");
}
