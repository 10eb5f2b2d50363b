using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Recurrent;

/// <summary>The arguments of <see cref="GRU"/>, with Keras's defaults.</summary>
public sealed record GRUConfig : RecurrentConfig
{
    /// <summary>The activation of the update and reset gates; sigmoid by default.</summary>
    public ActivationFunction RecurrentActivation { get; init; } = ActivationFunction.Sigmoid;

    /// <summary>
    /// Whether the reset gate multiplies the state's product with the recurrent kernel (true, Keras 3's
    /// default, cuDNN's and PyTorch's form, with separate input and recurrent biases) or the state before
    /// it (false, Cho et al.'s original).
    /// </summary>
    public bool ResetAfter { get; init; } = true;

    /// <summary>Keras 2's computation mode (1: a product per gate, 2: one product for all); both give the same function.</summary>
    public int Implementation { get; init; } = 2;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        Require(Implementation is 1 or 2, "implementation", $"Expected implementation to be 1 or 2. Received: implementation={Implementation}");
    }
}

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
    protected override Node[] Step(Node projected, Node[] states, Node? stateMask, Node recurrentKernel, Node? bias)
    {
        var previous = states[0];
        var masked = Masked(previous, stateMask);
        var gate = Config.RecurrentActivation;
        Node z, r, candidate;
        if (Config.ResetAfter)
        {
            var inner = Ops.MatMul(masked, recurrentKernel);
            if (bias is not null) inner = Ops.Add(inner, Ops.Reshape(Ops.Slice(bias, 0, 1, 1), 3 * Units));
            z = Ops.Activation(Ops.Add(Gate(projected, 0), Gate(inner, 0)), gate);
            r = Ops.Activation(Ops.Add(Gate(projected, 1), Gate(inner, 1)), gate);
            candidate = Ops.Add(Gate(projected, 2), Ops.Multiply(r, Gate(inner, 2)));
        }
        else
        {
            var inner = Ops.MatMul(masked, Ops.Slice(recurrentKernel, 1, 0, 2 * Units));
            z = Ops.Activation(Ops.Add(Gate(projected, 0), Gate(inner, 0)), gate);
            r = Ops.Activation(Ops.Add(Gate(projected, 1), Gate(inner, 1)), gate);
            candidate = Ops.Add(Gate(projected, 2), Ops.MatMul(Ops.Multiply(r, masked), Gate(recurrentKernel, 2)));
        }
        var hidden = Ops.Activation(candidate, Config.Activation);
        // hₜ = z·hₜ₋₁ + (1 − z)·ĥ = ĥ + z·(hₜ₋₁ − ĥ).
        return [Ops.Add(hidden, Ops.Multiply(z, Ops.Subtract(previous, hidden)))];
    }
}
