using Strata.Autodiff;

namespace Strata.Layers.Recurrent;

/// <summary>
/// Gated recurrent unit (Cho et al. 2014) over inputs [batch, timesteps, features], gates in Keras's order
/// z (update), r (reset), h (candidate): z = σ(x·W_z + h·U_z + b), r = σ(x·W_r + h·U_r + b),
/// ĥ = tanh(x·W_h + r·(h·U_h + b_h)) with reset_after (tanh(x·W_h + (r·h)·U_h + b_h) without), and
/// hₜ = z·hₜ₋₁ + (1 − z)·ĥ. Kernel [features, 3·units], recurrent kernel [units, 3·units], bias
/// [2, 3·units] (input bias, recurrent bias) with reset_after, else [3·units]. PyTorch's nn.GRU is the
/// reset_after form with its gates in the order r, z, n: Keras's z, r, h blocks are PyTorch's second,
/// first and third, kernel = weight_ih_l0ᵀ, recurrent kernel = weight_hh_l0ᵀ, bias = [bias_ih_l0, bias_hh_l0].
/// </summary>
public sealed class GRU : RecurrentLayer<GRUConfig>
{
    /// <summary>A GRU layer with every argument given by <paramref name="config"/>.</summary>
    public GRU(GRUConfig config) : base(config) { }

    /// <summary>A GRU layer of <paramref name="units"/> units.</summary>
    public GRU(int units, bool returnSequences = false, double dropout = 0, double recurrentDropout = 0, bool resetAfter = true, string? name = null)
        : this(new GRUConfig { Units = units, ReturnSequences = returnSequences, Dropout = dropout, RecurrentDropout = recurrentDropout, ResetAfter = resetAfter, Name = name }) { }

    /// <inheritdoc/>
    protected override int Gates => 3;

    /// <inheritdoc/>
    protected override int[] BiasShape => Config.ResetAfter ? [2, 3 * Units] : [3 * Units];

    /// <inheritdoc/>
    protected override Node? InputBias(Node? bias) =>
        bias is null || !Config.ResetAfter ? bias : Ops.Reshape(Ops.Slice(bias, 0, 0, 1), 3 * Units);

    /// <inheritdoc/>
    protected override Node? FusedSequence(Node projected, Node recurrentKernel, Node? bias, Node? stateMask) =>
        Fused && Config.ResetAfter && ElementWise(Config.Activation) && ElementWise(Config.RecurrentActivation)
            ? Ops.GruSequence(projected, recurrentKernel, RecurrentBias(bias), stateMask, Config.Activation, Config.RecurrentActivation, Config.GoBackwards)
            : null;

    /// <summary>With reset_after, the bias's second row [3·units], added to the state's product with the recurrent kernel.</summary>
    private Node? RecurrentBias(Node? bias) => bias is null ? null : Ops.Reshape(Ops.Slice(bias, 0, 1, 1), 3 * Units);

    /// <inheritdoc/>
    protected override Func<Node, Node[], Node[]> Cell(Node recurrentKernel, Node? bias, Node? stateMask)
    {
        var gate = Config.RecurrentActivation;
        // The slices every step uses, recorded once for the call.
        if (Config.ResetAfter)
        {
            var recurrentBias = RecurrentBias(bias);
            return (projected, states) =>
            {
                var inner = Ops.MatMul(Masked(states[0], stateMask), recurrentKernel);
                if (recurrentBias is not null) inner = Ops.Add(inner, recurrentBias);
                var z = Ops.Activation(Ops.Add(Gate(projected, 0), Gate(inner, 0)), gate);
                var r = Ops.Activation(Ops.Add(Gate(projected, 1), Gate(inner, 1)), gate);
                return Update(states[0], z, Ops.Add(Gate(projected, 2), Ops.Multiply(r, Gate(inner, 2))));
            };
        }
        var gates = Ops.Slice(recurrentKernel, 1, 0, 2 * Units);
        var candidateKernel = Gate(recurrentKernel, 2);
        return (projected, states) =>
        {
            var masked = Masked(states[0], stateMask);
            var inner = Ops.MatMul(masked, gates);
            var z = Ops.Activation(Ops.Add(Gate(projected, 0), Gate(inner, 0)), gate);
            var r = Ops.Activation(Ops.Add(Gate(projected, 1), Gate(inner, 1)), gate);
            return Update(states[0], z, Ops.Add(Gate(projected, 2), Ops.MatMul(Ops.Multiply(r, masked), candidateKernel)));
        };
    }

    /// <summary>hₜ = z·hₜ₋₁ + (1 − z)·ĥ = ĥ + z·(hₜ₋₁ − ĥ), with ĥ the activation of <paramref name="candidate"/>.</summary>
    private Node[] Update(Node previous, Node z, Node candidate)
    {
        var hidden = Ops.Activation(candidate, Config.Activation);
        return [Ops.Add(hidden, Ops.Multiply(z, Ops.Subtract(previous, hidden)))];
    }
}
