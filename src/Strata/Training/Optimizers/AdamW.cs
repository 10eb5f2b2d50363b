using System.Text.Json.Nodes;

namespace Strata.Training.Optimizers;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter 2019): w ← w − lr·λ·w before the Adam
/// step. Keras defaults: weight_decay 0.004, otherwise as <see cref="Adam"/>.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Keras's AdamW with its defaults; <paramref name="weightDecay"/> must be non-negative.</summary>
    public AdamW(double learningRate = 1e-3, double weightDecay = 0.004, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7)
        : base(learningRate, beta1, beta2, epsilon)
    {
        if (!(weightDecay >= 0)) throw new StrataException($"Expected a non-negative weight_decay. Received: weight_decay={weightDecay}");
        WeightDecay = weightDecay;
    }

    /// <inheritdoc/>
    public override string ClassName => "AdamW";

    /// <summary>The decoupled decay rate λ, scaled by the learning rate at each step (Keras's weight_decay).</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    protected override void Update(float[] w, float[] g, float[][] slots)
    {
        float decay = (float)(LearningRate * WeightDecay);
        for (int i = 0; i < w.Length; i++) w[i] -= w[i] * decay;
        base.Update(w, g, slots);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["weight_decay"] = WeightDecay;
        return c;
    }
}
