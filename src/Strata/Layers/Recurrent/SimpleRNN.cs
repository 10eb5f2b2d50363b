using Strata.Autodiff;

namespace Strata.Layers.Recurrent;

/// <summary>The arguments of <see cref="SimpleRNN"/>, with Keras's defaults.</summary>
public sealed record SimpleRNNConfig : RecurrentConfig;

/// <summary>
/// Fully connected recurrent layer: hₜ = activation(xₜ·kernel + hₜ₋₁·recurrent_kernel + bias), h₀ = 0, over
/// inputs [batch, timesteps, features]. Kernel [features, units], recurrent kernel [units, units], bias
/// [units]. PyTorch's nn.RNN has kernel = weight_ih_l0ᵀ, recurrent kernel = weight_hh_l0ᵀ and bias =
/// bias_ih_l0 + bias_hh_l0.
/// </summary>
public sealed class SimpleRNN : RecurrentLayer<SimpleRNNConfig>
{
    /// <summary>A SimpleRNN layer with every argument given by <paramref name="config"/>.</summary>
    public SimpleRNN(SimpleRNNConfig config) : base(config) { }

    /// <summary>A SimpleRNN layer of <paramref name="units"/> units with the Keras activation named <paramref name="activation"/> (null: tanh).</summary>
    public SimpleRNN(int units, string? activation = "tanh", bool returnSequences = false, string? name = null)
        : this(new SimpleRNNConfig { Units = units, Activation = Activations.Parse(activation, name ?? "simple_rnn"), ReturnSequences = returnSequences, Name = name }) { }

    /// <inheritdoc/>
    protected override int Gates => 1;

    /// <inheritdoc/>
    protected override Func<Node, Node[], Node[]> Cell(Node recurrentKernel, Node? bias, Node? stateMask) => (projected, states) =>
        [Ops.Activation(Ops.Add(projected, Ops.MatMul(Masked(states[0], stateMask), recurrentKernel)), Config.Activation)];
}
