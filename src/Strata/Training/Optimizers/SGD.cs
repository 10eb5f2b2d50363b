using System.Text.Json.Nodes;

namespace Strata.Training.Optimizers;

/// <summary>
/// Stochastic gradient descent, Keras's form: with momentum, v = momentum·v − lr·g and w += v
/// (Nesterov: w += momentum·v − lr·g). Keras defaults: learning rate 0.01, momentum 0.
/// </summary>
public sealed class SGD : Optimizer
{
    /// <summary>Keras's SGD with its defaults; <paramref name="momentum"/> must be in [0, 1].</summary>
    public SGD(double learningRate = 0.01, double momentum = 0, bool nesterov = false) : base(learningRate)
    {
        if (!(momentum >= 0 && momentum <= 1))
            throw new StrataException($"`momentum` must be a float between [0, 1]. Received: momentum={momentum}");
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <inheritdoc/>
    public override string ClassName => "SGD";

    /// <summary>The velocity's decay; 0 for plain gradient descent (Keras's momentum).</summary>
    public double Momentum { get; }

    /// <summary>Whether to apply Nesterov momentum, looking ahead along the velocity (Keras's nesterov).</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override int SlotCount => Momentum > 0 ? 1 : 0;

    /// <inheritdoc/>
    protected override void Update(float[] w, float[] g, float[][] slots)
    {
        float lr = (float)LearningRate;
        if (Momentum == 0)
        {
            for (int i = 0; i < w.Length; i++) w[i] -= lr * g[i];
            return;
        }
        float m = (float)Momentum;
        var v = slots[0];
        for (int i = 0; i < w.Length; i++)
        {
            v[i] = m * v[i] - lr * g[i];
            w[i] += Nesterov ? m * v[i] - lr * g[i] : v[i];
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["momentum"] = Momentum;
        c["nesterov"] = Nesterov;
        return c;
    }
}
