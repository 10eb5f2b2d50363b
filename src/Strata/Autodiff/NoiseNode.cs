using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>The distributions a <see cref="NoiseNode"/> draws from.</summary>
internal enum NoiseDistribution { Bernoulli, Gaussian }

/// <summary>
/// Fresh random values on every forward pass, with no gradient: Bernoulli (value with probability
/// p, else 0) or Gaussian (mean, standard deviation). Each value is a pure function of the stream's
/// key and its index, so the noise is the same for any thread count.
/// </summary>
internal sealed class NoiseNode : Node
{
    private readonly NoiseDistribution _distribution;
    private readonly float _a, _b;
    private readonly RandomStream _random;
    // Values per row when each row draws its own (0 for noise over a weight).
    private readonly long _perRow;

    // a: Bernoulli, the probability of drawing b; Gaussian, the mean. b: Bernoulli, the value drawn; Gaussian, the standard deviation.
    public NoiseNode(Graph graph, int[] shape, NoiseDistribution distribution, float a, float b, RandomStream random, bool perRow)
        : base(graph, shape)
    {
        _perRow = perRow && shape.Length > 0 && shape[0] > 0 ? ShapeOps.Size(shape) / shape[0] : 0;
        _distribution = distribution;
        _a = a;
        _b = b;
        _random = random;
    }

    internal override void Forward()
    {
        ulong key = _random.NextKey(), first = Graph.FirstIndex(_perRow);
        var y = Value.Data;
        if (_distribution == NoiseDistribution.Bernoulli)
        {
            for (int i = 0; i < y.Length; i++)
                y[i] = RandomGenerator.Uniform(key, first + (ulong)i) < _a ? _b : 0f;
            return;
        }
        for (int i = 0; i < y.Length; i++)
        {
            // Box–Muller on two counter-based uniforms; 1 − u keeps the logarithm finite.
            ulong index = first + (ulong)i;
            float u1 = 1f - RandomGenerator.Uniform(key, 2 * index);
            float u2 = RandomGenerator.Uniform(key, 2 * index + 1);
            y[i] = _a + _b * MathF.Sqrt(-2f * MathF.Log(u1)) * MathF.Cos(2f * MathF.PI * u2);
        }
    }

    internal override void Backward() { }
}
