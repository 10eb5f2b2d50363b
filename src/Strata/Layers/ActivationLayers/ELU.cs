using Strata.Tensors;
using Strata.Autodiff;

namespace Strata.Layers.ActivationLayers;

/// <summary>The arguments of <see cref="ELU"/>.</summary>
public sealed record ELUConfig : LayerConfig
{
    /// <summary>The scale of the negative part: the output approaches −alpha for large negative inputs.</summary>
    public double Alpha { get; init; } = 1.0;
}

/// <summary>x for x &gt; 0, alpha·(eˣ − 1) otherwise. Same as PyTorch's nn.ELU(alpha).</summary>
public sealed class ELU : ActivationLayer<ELUConfig>
{
    /// <summary>An ELU layer with every argument given by <paramref name="config"/>.</summary>
    public ELU(ELUConfig config) : base(config) { }

    /// <summary>An ELU layer of scale <paramref name="alpha"/>.</summary>
    public ELU(double alpha = 1.0, string? name = null) : this(new ELUConfig { Alpha = alpha, Name = name }) { }

    /// <inheritdoc/>
    public override ActivationArguments ActivationArguments => new(ActivationFunction.Elu) { Alpha = (float)Config.Alpha };
}
