using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests;

/// <summary>Reference fixtures, tolerances and the finite-difference gradient check shared by the tests.</summary>
internal static class TestSupport
{
    private static readonly Lazy<JsonObject> Torch = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch.json")))!);

    public static JsonObject Fixture(string name) => (JsonObject)Torch.Value[name]!;

    public static float[] Floats(JsonNode? node) => ((JsonArray)node!).Select(v => (float)v!.GetValue<double>()).ToArray();

    public static int[] Ints(JsonNode? node) => ((JsonArray)node!).Select(v => v!.GetValue<int>()).ToArray();

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Strata.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Strata.sln not found above the test binaries.");
        }
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(expected[i] - actual[i]);
            if (diff > tolerance * (1 + Math.Abs(expected[i])))
                Assert.Fail($"{what}[{i}]: expected {expected[i]}, got {actual[i]} (difference {diff})");
        }
    }

    public static Tensor Random(int seed, double scale, params int[] shape)
    {
        var rng = new RandomGenerator((ulong)seed);
        var t = new Tensor(shape);
        for (int i = 0; i < t.Size; i++) t.Data[i] = (float)(rng.NextGaussian() * scale);
        return t;
    }

    /// <summary>
    /// Checks dL/d(input) and dL/d(variable) from the backward pass against central differences,
    /// for L = Σ y·r with a fixed random r. <paramref name="beforeForward"/> can freeze random state
    /// (a dropout stream's step) so every evaluation sees the same mask. <paramref name="sharesGradients"/> runs a
    /// graph whose nodes share gradient buffers with in-place consumers, as training steps do.
    /// </summary>
    public static void CheckGradients(Func<Node[], Node> build, Tensor[] inputs, IReadOnlyList<Variable>? variables = null,
        Action? beforeForward = null, double step = 1e-2, double tolerance = 2e-2, int samplesPerTensor = 40, bool sharesGradients = false)
    {
        var graph = new Graph { SharesGradients = sharesGradients };
        var nodes = inputs.Select(t => { var n = graph.Input(t.ShapeArray(), requiresGradient: true); n.Set(t); return (Node)n; }).ToArray();
        var y = build(nodes);
        var weights = graph.Input(y.Value.ShapeArray());
        weights.Set(Random(99, 1, y.Value.ShapeArray()));
        var loss = Ops.Sum(Ops.Multiply(y, weights));

        double Evaluate()
        {
            beforeForward?.Invoke();
            graph.Forward();
            return loss.Value.Data[0];
        }

        Evaluate();
        graph.Backward(loss);
        var targets = nodes.Select((n, i) => (Name: $"input {i}", Value: n.Value, Gradient: n.Gradient!.Clone())).ToList();
        foreach (var v in variables ?? [])
        {
            var g = graph.GradientOf(v) ?? throw new InvalidOperationException($"No gradient for {v}.");
            targets.Add((v.Path.Length > 0 ? v.Path : v.Name, v.Value, g.Clone()));
        }

        foreach (var (name, value, gradient) in targets)
        {
            int stride = Math.Max(1, value.Size / samplesPerTensor);
            for (int i = 0; i < value.Size; i += stride)
            {
                float original = value.Data[i];
                value.Data[i] = original + (float)step;
                double plus = Evaluate();
                value.Data[i] = original - (float)step;
                double minus = Evaluate();
                value.Data[i] = original;
                double numeric = (plus - minus) / (2 * step);
                double analytic = gradient.Data[i];
                double scale = Math.Max(1, Math.Max(Math.Abs(numeric), Math.Abs(analytic)));
                if (Math.Abs(numeric - analytic) > tolerance * scale)
                    Assert.Fail($"Gradient of {name}[{i}]: backward gives {analytic}, finite differences {numeric}.");
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="layer"/> on <paramref name="x"/> in <paramref name="mode"/> (building it for x's
    /// feature shape and reseeding it first when needed), forwarding <paramref name="calls"/> times; returns the last output.
    /// </summary>
    public static float[] Apply(Layer layer, Tensor x, CallMode mode, int calls = 1)
    {
        if (!layer.IsBuilt)
        {
            layer.Build([-1, .. x.Shape[1..]], new RandomGenerator(1));
            layer.Reseed(new RandomGenerator(2));
        }
        var graph = new Graph();
        var input = graph.Input(x.ShapeArray());
        input.Set(x);
        var y = layer.Call(input, mode);
        for (int i = 0; i < calls; i++) graph.Forward();
        return y.Value.Data.ToArray();
    }
}
