using System.Text.Json.Nodes;

namespace Strata.Training.Optimizers;

/// <summary>
/// RMSprop as Keras computes it: v ← ρv + (1 − ρ)g², step = lr·g/√(v + ε) (centered: the variance
/// v − ḡ² instead of v); with momentum the step feeds a velocity. Keras defaults: lr 1e-3, ρ 0.9, ε 1e-7.
/// </summary>
public sealed class RMSprop : Optimizer
{
    /// <summary>
    /// Keras's RMSprop with its defaults; <paramref name="rho"/> must be in [0, 1) and
    /// <paramref name="momentum"/> in [0, 1].
    /// </summary>
    public RMSprop(double learningRate = 1e-3, double rho = 0.9, double momentum = 0, double epsilon = 1e-7, bool centered = false)
        : base(learningRate)
    {
        if (!(rho >= 0 && rho < 1)) throw new StrataException($"Expected rho in [0, 1). Received: rho={rho}");
        if (!(momentum >= 0 && momentum <= 1)) throw new StrataException($"Expected momentum in [0, 1]. Received: momentum={momentum}");
        Rho = rho;
        Momentum = momentum;
        Epsilon = epsilon;
        Centered = centered;
    }

    /// <inheritdoc/>
    public override string ClassName => "RMSprop";

    /// <summary>The decay rate of the moving average of squared gradients (Keras's rho).</summary>
    public double Rho { get; }

    /// <summary>The momentum of the step's velocity; 0 for none (Keras's momentum).</summary>
    public double Momentum { get; }

    /// <summary>Added to the moving average before the square root (Keras's epsilon).</summary>
    public double Epsilon { get; }

    /// <summary>Whether the gradient is normalized by its estimated variance rather than its second moment (Keras's centered).</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    protected override int SlotCount => 3;

    /// <inheritdoc/>
    protected override void Update(float[] w, float[] g, float[][] slots)
    {
        float lr = (float)LearningRate, rho = (float)Rho, eps = (float)Epsilon, mom = (float)Momentum;
        var v = slots[0];
        var avg = slots[1];
        var velocity = slots[2];
        for (int i = 0; i < w.Length; i++)
        {
            float gi = g[i];
            v[i] = rho * v[i] + (1 - rho) * gi * gi;
            float denominator = v[i] + eps;
            if (Centered)
            {
                avg[i] = rho * avg[i] + (1 - rho) * gi;
                denominator = v[i] - avg[i] * avg[i] + eps;
            }
            float step = lr * gi / MathF.Sqrt(denominator);
            if (mom > 0)
            {
                velocity[i] = mom * velocity[i] + step;
                w[i] -= velocity[i];
            }
            else
            {
                w[i] -= step;
            }
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["rho"] = Rho;
        c["momentum"] = Momentum;
        c["epsilon"] = Epsilon;
        c["centered"] = Centered;
        return c;
    }
}
