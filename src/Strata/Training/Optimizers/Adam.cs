using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Strata.Training.Optimizers;

/// <summary>
/// Adam (Kingma and Ba 2015) as Keras computes it: m ← m + (g − m)(1 − β₁), v ← v + (g² − v)(1 − β₂),
/// w ← w − α·m/(√v + ε) with α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ). Keras defaults: lr 1e-3, β₁ 0.9,
/// β₂ 0.999, ε 1e-7 (PyTorch's default ε is 1e-8).
/// </summary>
public class Adam : Optimizer
{
    /// <summary>Keras's Adam with its defaults; the β's must be in [0, 1).</summary>
    public Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7) : base(learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new StrataException($"Expected beta_1 in [0, 1). Received: beta_1={beta1}");
        if (!(beta2 >= 0 && beta2 < 1)) throw new StrataException($"Expected beta_2 in [0, 1). Received: beta_2={beta2}");
        if (!(epsilon >= 0)) throw new StrataException($"Expected a non-negative epsilon. Received: epsilon={epsilon}");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <inheritdoc/>
    public override string ClassName => "Adam";

    /// <summary>The decay rate of the first-moment (mean) estimate (Keras's beta_1).</summary>
    public double Beta1 { get; }

    /// <summary>The decay rate of the second-moment (uncentered variance) estimate (Keras's beta_2).</summary>
    public double Beta2 { get; }

    /// <summary>Added to √v to keep the step finite (Keras's epsilon, applied after the square root).</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override int SlotCount => 2;

    /// <inheritdoc/>
    protected override void Update(float[] w, float[] g, float[][] slots)
    {
        double t = Iterations;
        float alpha = (float)(LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t)));
        Kernels.OptimizerKernels.Adam(w, g, slots[0], slots[1], alpha, (float)(1 - Beta1), (float)(1 - Beta2), (float)Epsilon);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["beta_1"] = Beta1;
        c["beta_2"] = Beta2;
        c["epsilon"] = Epsilon;
        c["amsgrad"] = false;
        return c;
    }
}
