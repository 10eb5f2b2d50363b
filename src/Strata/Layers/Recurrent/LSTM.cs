using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Recurrent;

/// <summary>The arguments of <see cref="LSTM"/>, with Keras's defaults (open to <see cref="WeightDropLSTMConfig"/>, which adds weight_dropout).</summary>
public record LSTMConfig : GatedRecurrentConfig
{
    /// <summary>
    /// Whether the forget gate's bias starts at 1 whatever bias_initializer gives the other gates, so the
    /// carry is kept at first (Jozefowicz et al. 2015); true by default.
    /// </summary>
    public bool UnitForgetBias { get; init; } = true;
}

/// <summary>
/// Long short-term memory (Hochreiter and Schmidhuber 1997) over inputs [batch, timesteps, features], gates
/// in Keras's order i, f, c, o: z = xₜ·kernel + hₜ₋₁·recurrent_kernel + bias, i = σ(z_i), f = σ(z_f),
/// cₜ = f·cₜ₋₁ + i·tanh(z_c), o = σ(z_o), hₜ = o·tanh(cₜ). Kernel [features, 4·units], recurrent kernel
/// [units, 4·units], bias [4·units]. PyTorch's nn.LSTM has the same gate order (its g is Keras's c):
/// kernel = weight_ih_l0ᵀ, recurrent kernel = weight_hh_l0ᵀ, bias = bias_ih_l0 + bias_hh_l0.
/// Not sealed so that <see cref="WeightDropLSTM"/> is this cell with DropConnect on its recurrent kernel.
/// </summary>
public class LSTM : RecurrentLayer<LSTMConfig>
{
    /// <summary>An LSTM layer with every argument given by <paramref name="config"/>.</summary>
    public LSTM(LSTMConfig config) : base(config) { }

    /// <summary>An LSTM layer of <paramref name="units"/> units.</summary>
    public LSTM(int units, bool returnSequences = false, double dropout = 0, double recurrentDropout = 0, string? name = null)
        : this(new LSTMConfig { Units = units, ReturnSequences = returnSequences, Dropout = dropout, RecurrentDropout = recurrentDropout, Name = name }) { }

    /// <inheritdoc/>
    protected override int Gates => 4;

    /// <inheritdoc/>
    protected override int StateCount => 2;

    /// <inheritdoc/>
    protected override WeightSettings BiasSettings(WeightSettings bias) =>
        Config.UnitForgetBias ? bias with { Initializer = Initializer.Zeros() } : bias;

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        base.BuildWeights(inputShape, random);
        if (Bias is null || !Config.UnitForgetBias) return;
        // Keras fills the bias as [bias_initializer(units), ones(units), bias_initializer(2·units)].
        var initializer = Config.Weights.Bias.Initializer;
        var input = new Tensor(Units);
        var rest = new Tensor(2 * Units);
        initializer.Fill(input, random);
        initializer.Fill(rest, random);
        var bias = Bias.Value.Data.AsSpan();
        input.Data.CopyTo(bias);
        bias.Slice(Units, Units).Fill(1f);
        rest.Data.CopyTo(bias[(2 * Units)..]);
    }

    /// <inheritdoc/>
    protected override Node? FusedSequence(Node projected, Node recurrentKernel, Node? bias, Node? stateMask) =>
        Fused && ElementWise(Config.Activation) && ElementWise(Config.RecurrentActivation)
            ? Ops.LstmSequence(projected, recurrentKernel, stateMask, Config.Activation, Config.RecurrentActivation, Config.GoBackwards)
            : null;

    /// <inheritdoc/>
    protected override Func<Node, Node[], Node[]> Cell(Node recurrentKernel, Node? bias, Node? stateMask) => (projected, states) =>
    {
        var z = Ops.Add(projected, Ops.MatMul(Masked(states[0], stateMask), recurrentKernel));
        var gate = Config.RecurrentActivation;
        var i = Ops.Activation(Gate(z, 0), gate);
        var f = Ops.Activation(Gate(z, 1), gate);
        var candidate = Ops.Activation(Gate(z, 2), Config.Activation);
        var o = Ops.Activation(Gate(z, 3), gate);
        var carry = Ops.Add(Ops.Multiply(f, states[1]), Ops.Multiply(i, candidate));
        return [Ops.Multiply(o, Ops.Activation(carry, Config.Activation)), carry];
    };
}
