namespace Strata.Layers.Recurrent;

/// <summary>The arguments of <see cref="WeightDropLSTM"/>: LSTM's, with Keras's defaults, and weight_dropout.</summary>
public sealed record WeightDropLSTMConfig : LSTMConfig
{
    /// <summary>The fraction of recurrent kernel entries dropped, in [0, 1), one mask per training call; 0 by default.</summary>
    public double WeightDropout { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireRate(WeightDropout, "weight_dropout");
    }
}

/// <summary>
/// The weight-dropped LSTM of AWD-LSTM (Merity, Keskar and Socher, "Regularizing and Optimizing LSTM
/// Language Models", ICLR 2018): an <see cref="LSTM"/> whose recurrent kernel (the hidden-to-hidden
/// weights U, [units, 4·units]) gets DropConnect in training. Each training (or Monte-Carlo) call draws one
/// Bernoulli mask over U and uses U ⊙ mask / (1 − weight_dropout) for every batch row and every step, so
/// the same connections are dropped throughout the sequence; at inference U is used as it is. Dropping
/// weights rather than the state keeps the cell itself unchanged, so the fused sequence node still runs
/// it (AWD-LSTM's reason: cuDNN). The mask comes from the layer's stream after the input and recurrent
/// dropout masks, when those are on. A Strata layer: Keras has no such layer, so Keras export refuses it.
/// PyTorch: the salesforce/awd-lstm-lm WeightDrop around nn.LSTM with weights=['weight_hh_l0'] (the same
/// inverted scaling), kernel = weight_ih_l0ᵀ, recurrent kernel = weight_hh_l0ᵀ.
/// </summary>
public sealed class WeightDropLSTM : LSTM
{
    /// <summary>A weight-dropped LSTM layer with every argument given by <paramref name="config"/>.</summary>
    public WeightDropLSTM(WeightDropLSTMConfig config) : base(config) { }

    /// <summary>A weight-dropped LSTM layer of <paramref name="units"/> units dropping <paramref name="weightDropout"/> of its recurrent kernel.</summary>
    public WeightDropLSTM(int units, double weightDropout, bool returnSequences = false, int? seed = null, string? name = null)
        : this(new WeightDropLSTMConfig { Units = units, WeightDropout = weightDropout, ReturnSequences = returnSequences, Seed = seed, Name = name }) { }

    /// <summary>The fraction of recurrent kernel entries dropped in training.</summary>
    public double WeightDropout => ((WeightDropLSTMConfig)Config).WeightDropout;

    /// <inheritdoc/>
    protected override double RecurrentKernelDropout => WeightDropout;
}
