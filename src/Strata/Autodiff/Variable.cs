using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// A named, persistent tensor owned by a layer: a trainable weight (a kernel, gamma) or a
/// non-trainable state (moving statistics). Graphs refer to it; optimizers update it in place.
/// </summary>
public sealed class Variable
{
    /// <summary>A variable holding <paramref name="value"/> (kept, not copied) under its Keras <paramref name="name"/>.</summary>
    /// <param name="name">The Keras variable name, such as <c>kernel</c>.</param>
    /// <param name="value">The tensor that holds the variable's values from now on.</param>
    /// <param name="trainable">Whether optimizers update it (a weight) or only the layer does (a moving statistic).</param>
    public Variable(string name, Tensor value, bool trainable)
    {
        Name = name;
        Value = value;
        Trainable = trainable;
    }

    /// <summary>The Keras variable name, such as <c>kernel</c> or <c>moving_mean</c>.</summary>
    public string Name { get; }

    /// <summary>The layer-qualified name used in model files, such as <c>dense/kernel</c>.</summary>
    public string Path { get; internal set; } = "";

    /// <summary>The values; always the same tensor, changed in place (by optimizers, by loading weights), so graphs that read it stay valid.</summary>
    public Tensor Value { get; }

    /// <summary>
    /// Whether the variable receives gradients and optimizer updates (Keras's <c>variable.trainable</c>);
    /// false for state such as moving statistics, or to freeze a weight.
    /// </summary>
    public bool Trainable { get; set; }

    /// <summary>The path (or the name before the variable joins a layer) and the shape, such as <c>dense/kernel (4, 8)</c>.</summary>
    public override string ToString() => $"{(Path.Length > 0 ? Path : Name)} {ShapeOps.Format(Value.Shape)}";
}
