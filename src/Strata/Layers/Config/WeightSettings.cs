using Strata.Layers.Constraints;
using Strata.Layers.Regularizers;

namespace Strata.Layers;

/// <summary>How one weight is initialized, penalized and constrained (Keras's kernel_initializer, kernel_regularizer, kernel_constraint).</summary>
[KerasPrefixed]
public sealed record WeightSettings(Initializer Initializer, Regularizer? Regularizer = null, Constraint? Constraint = null) : ConfigPart;

/// <summary>A weight layer's kernel and bias, with Keras's defaults: glorot_uniform kernel, zero bias.</summary>
public sealed record KernelAndBias : ConfigPart
{
    /// <summary>Whether the layer adds a bias.</summary>
    [KerasName("use_bias")] public bool UseBias { get; init; } = true;

    /// <summary>The kernel's initializer, regularizer and constraint.</summary>
    public WeightSettings Kernel { get; init; } = new(Initializer.GlorotUniform());

    /// <summary>The bias's initializer, regularizer and constraint.</summary>
    public WeightSettings Bias { get; init; } = new(Initializer.Zeros());
}

/// <summary>A normalizing layer's learned scale (gamma) and offset (beta), both on by default, gamma ones and beta zeros.</summary>
public sealed record ScaleAndCenter : ConfigPart
{
    /// <summary>Whether beta is added.</summary>
    public bool Center { get; init; } = true;

    /// <summary>Whether the output is multiplied by gamma.</summary>
    public bool Scale { get; init; } = true;

    /// <summary>beta's initializer, regularizer and constraint.</summary>
    public WeightSettings Beta { get; init; } = new(Initializer.Zeros());

    /// <summary>gamma's initializer, regularizer and constraint.</summary>
    public WeightSettings Gamma { get; init; } = new(Initializer.Ones());
}

/// <summary>
/// A recurrent layer's kernel (inputs to gates), recurrent kernel (state to gates) and bias, with Keras's
/// defaults: glorot_uniform, orthogonal and zeros.
/// </summary>
public sealed record RecurrentWeights : ConfigPart
{
    /// <summary>Whether the layer adds a bias.</summary>
    [KerasName("use_bias")] public bool UseBias { get; init; } = true;

    /// <summary>The kernel's initializer, regularizer and constraint.</summary>
    public WeightSettings Kernel { get; init; } = new(Initializer.GlorotUniform());

    /// <summary>The recurrent kernel's initializer, regularizer and constraint (Keras's recurrent_initializer, ...).</summary>
    [KerasName("recurrent")] public WeightSettings RecurrentKernel { get; init; } = new(Initializer.Orthogonal());

    /// <summary>The bias's initializer, regularizer and constraint.</summary>
    public WeightSettings Bias { get; init; } = new(Initializer.Zeros());
}
