using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// A named, persistent tensor owned by a layer: a trainable weight (a kernel, gamma) or a
/// non-trainable state (moving statistics). Graphs refer to it; optimizers update it in place.
/// </summary>
public sealed class Variable
{
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

    public Tensor Value { get; }

    public bool Trainable { get; set; }

    public override string ToString() => $"{(Path.Length > 0 ? Path : Name)} {ShapeOps.Format(Value.Shape)}";
}
