using Strata.Layers.Regularizers;
using Strata.Tensors;

namespace Strata.Layers.Recurrent;

/// <summary>
/// The arguments every recurrent layer shares, with Keras's names and defaults (Keras's RNN base and its
/// cells). Inputs are [batch, timesteps, features].
/// </summary>
[KerasUnsupported("zero_output_for_mask", "time_major")]
public abstract record RecurrentConfig : LayerConfig
{
    /// <summary>The size of the state and of the output at each step.</summary>
    public required int Units { get; init; }

    /// <summary>The activation of the candidate state and output; tanh by default.</summary>
    public ActivationFunction Activation { get; init; } = ActivationFunction.Tanh;

    /// <summary>The kernel, the recurrent kernel and the bias.</summary>
    public RecurrentWeights Weights { get; init; } = new();

    /// <summary>A penalty on the layer's output, added to the loss (Keras's activity_regularizer).</summary>
    public Regularizer? ActivityRegularizer { get; init; }

    /// <summary>
    /// The fraction of input features dropped, with one mask per sequence and batch row reused at every
    /// step (Gal and Ghahramani's variational dropout); 0 by default.
    /// </summary>
    public double Dropout { get; init; }

    /// <summary>The fraction of state units dropped before the recurrent kernel, one mask per sequence and batch row; 0 by default.</summary>
    public double RecurrentDropout { get; init; }

    /// <summary>With a seed the dropout masks are reproducible on their own; without, the model's seed decides them.</summary>
    public int? Seed { get; init; }

    /// <summary>Whether the output is the whole sequence [batch, timesteps, units] rather than the last step [batch, units].</summary>
    public bool ReturnSequences { get; init; }

    /// <summary>Keras returns the final states beside the output; a Sequential passes one tensor on, so only false is accepted.</summary>
    public bool ReturnState { get; init; }

    /// <summary>Whether the sequence is read from its last step to its first (the returned sequence is in that reversed order, as in Keras).</summary>
    public bool GoBackwards { get; init; }

    /// <summary>Keras carries the last state over to the next batch when true; only false is accepted.</summary>
    public bool Stateful { get; init; }

    /// <summary>Keras's choice to unroll the loop symbolically; the result is the same either way, so it is kept for the config only.</summary>
    public bool Unroll { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(Units > 0, "units", $"Received an invalid value for argument `units`, expected a positive integer, got {Units}.");
        RequireRate(Dropout, "dropout");
        RequireRate(RecurrentDropout, "recurrent_dropout");
        Require(!ReturnState, "return_state",
            "return_state=True makes the layer return its final states beside its output, which a Sequential model cannot pass on; use return_sequences or the last output. Received: return_state=True");
        Require(!Stateful, "stateful",
            "stateful=True (the last state of each batch row kept for the next batch) is not implemented; every batch starts from zero states. Received: stateful=True");
    }

    /// <summary>Keras's check and message for a dropout rate, in [0, 1), naming <paramref name="argument"/>.</summary>
    protected static void RequireRate(double rate, string argument) =>
        Require(rate >= 0 && rate < 1, argument,
            $"Invalid value received for argument `{argument}`. Expected a float value between 0 and 1 (exclusive). Received: {argument}={rate}");
}
