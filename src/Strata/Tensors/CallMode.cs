namespace Strata.Tensors;

/// <summary>
/// How a layer computes on one call. Keras passes a single <c>training</c> flag; Strata separates
/// the two things it controls, so Monte-Carlo dropout can keep the dropout family active while
/// BatchNormalization uses its moving statistics. Layers, graph nodes and kernels all read this one
/// value; a training step is the one that also runs the backward pass.
/// A bool converts implicitly: true is <see cref="Training"/>, false is <see cref="Inference"/>.
/// </summary>
public readonly record struct CallMode
{
    private CallMode(bool training, bool stochastic, bool accumulatesStatistics)
    {
        IsTraining = training;
        IsStochastic = stochastic;
        AccumulatesStatistics = accumulatesStatistics;
    }

    /// <summary>Normalization uses batch statistics and updates its moving statistics.</summary>
    public bool IsTraining { get; }

    /// <summary>The dropout family draws noise (in training, and in Monte-Carlo inference).</summary>
    public bool IsStochastic { get; }

    /// <summary>BatchNormalization runs on its moving statistics and collects its input's population statistics.</summary>
    public bool AccumulatesStatistics { get; }

    /// <summary>Batch statistics, noise on, gradients computed (Keras's training=True).</summary>
    public static CallMode Training { get; } = new(true, true, false);

    /// <summary>Moving statistics, noise off (Keras's training=False).</summary>
    public static CallMode Inference { get; } = new(false, false, false);

    /// <summary>Dropout active, normalization in inference mode (Gal and Ghahramani 2016).</summary>
    public static CallMode MonteCarlo { get; } = new(false, true, false);

    /// <summary>
    /// Normalization on batch statistics as in training, the dropout family off: what a layer would
    /// see in training without the noise, which isolates the noise's effect on variance (Li et al. 2019).
    /// </summary>
    public static CallMode BatchStatisticsWithoutNoise { get; } = new(true, false, false);

    /// <summary>Inference, with BatchNormalization layers collecting population statistics (precise BN).</summary>
    public static CallMode Recalibration { get; } = new(false, false, true);

    /// <summary>
    /// What a frozen layer (Trainable false) sees: normalization on its moving statistics, as in Keras,
    /// the noise and the statistics collection as they are.
    /// </summary>
    public CallMode Frozen => new(false, IsStochastic, AccumulatesStatistics);

    /// <summary>true is <see cref="Training"/>, false is <see cref="Inference"/>.</summary>
    public static implicit operator CallMode(bool training) => training ? Training : Inference;
}
