using Strata.Autodiff;
using Strata.Distributed;
using Strata.Layers.Normalization;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Distributed;

/// <summary>
/// BatchNormalization(synchronized=True) on ranks that each hold a shard of the batch: the same outputs, input
/// gradients and moving statistics as one process normalizing the whole batch; γ and β gradients are the
/// ranks' parts of the whole one.
/// </summary>
public class SynchronizedBatchNormalizationTests
{
    private const int Features = 4;

    private sealed record Result(float[] Output, float[] InputGradient, float[] GammaGradient, float[] BetaGradient, float[] MovingMean, float[] MovingVariance);

    // One step of a synchronized layer on rows [start, start + count) of x, with loss Σ y ⊙ w over the same rows.
    // Rows are [Features] values, or [2, 3, Features] feature maps (channels last) when spatial.
    private static Result Step(ICommunicator communicator, Tensor x, Tensor w, int start, int count, bool spatial = false)
    {
        int[] row = spatial ? [2, 3, Features] : [Features];
        var layer = new BatchNormalization(new BatchNormalizationConfig { Synchronized = true, Momentum = 0.5 });
        layer.Build([-1, .. row], new RandomGenerator(1));
        foreach (var v in layer.Variables.Where(v => v.Name is "gamma" or "beta"))
            TestSupport.Random(v.Name == "gamma" ? 2 : 3, 0.5, Features).Data.CopyTo(v.Value.Data, 0);
        var graph = new Graph { Communicator = communicator };
        var input = graph.Input([count, .. row], requiresGradient: true);
        input.Set(Rows(x, start, count, row));
        var y = layer.Call(input, CallMode.Training);
        var weights = graph.Input([count, .. row]);
        weights.Set(Rows(w, start, count, row));
        var loss = Ops.Sum(Ops.Multiply(y, weights));
        graph.Forward();
        graph.Backward(loss);
        float[] Gradient(string name) => graph.GradientOf(layer.Variables.Single(v => v.Name == name))!.Data.ToArray();
        float[] Value(string name) => layer.Variables.Single(v => v.Name == name).Value.Data.ToArray();
        return new(y.Value.Data.ToArray(), input.Gradient!.Data.ToArray(), Gradient("gamma"), Gradient("beta"), Value("moving_mean"), Value("moving_variance"));
    }

    private static Tensor Rows(Tensor t, int start, int count, int[] row)
    {
        var rows = new Tensor([count, .. row]);
        int width = rows.Size / count;
        t.Data.AsSpan(start * width, count * width).CopyTo(rows.Data);
        return rows;
    }

    [Theory]
    [InlineData(new[] { 5, 2, 3 }, false)]
    [InlineData(new[] { 1, 9 }, false)]
    [InlineData(new[] { 4, 4, 1, 3 }, false)]
    [InlineData(new[] { 5, 2, 3 }, true)]
    [InlineData(new[] { 1, 4 }, true)]
    public void ShardsNormalizeAsTheWholeBatchDoes(int[] shardRows, bool spatial)
    {
        int rows = shardRows.Sum(), width = spatial ? 6 * Features : Features;
        // Features far from zero and of different scales, so local and global statistics differ clearly.
        var x = TestSupport.Random(4, 3.0, rows, width);
        for (int i = 0; i < x.Size; i++) x.Data[i] += 10f * (i % Features);
        var w = TestSupport.Random(5, 1.0, rows, width);
        var whole = Step(Communicators.Single, x, w, 0, rows, spatial);

        using var group = new InProcessGroup(shardRows.Length);
        var results = new Result[shardRows.Length];
        var threads = group.Members.Select(m => new Thread(() =>
            results[m.Rank] = Step(m, x, w, shardRows.Take(m.Rank).Sum(), shardRows[m.Rank], spatial))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        TestSupport.AssertClose(whole.Output, results.SelectMany(r => r.Output).ToArray(), 1e-5, "output");
        TestSupport.AssertClose(whole.InputGradient, results.SelectMany(r => r.InputGradient).ToArray(), 1e-4, "input gradient");
        float[] Summed(Func<Result, float[]> part) => Enumerable.Range(0, Features).Select(c => results.Sum(r => part(r)[c])).ToArray();
        TestSupport.AssertClose(whole.GammaGradient, Summed(r => r.GammaGradient), 1e-5, "gamma gradient");
        TestSupport.AssertClose(whole.BetaGradient, Summed(r => r.BetaGradient), 1e-5, "beta gradient");
        foreach (var r in results)
        {
            // Every rank moves its moving statistics to the same global ones, bit for bit.
            Assert.Equal(results[0].MovingMean, r.MovingMean);
            Assert.Equal(results[0].MovingVariance, r.MovingVariance);
            TestSupport.AssertClose(whole.MovingMean, r.MovingMean, 1e-5, "moving mean");
            TestSupport.AssertClose(whole.MovingVariance, r.MovingVariance, 1e-5, "moving variance");
        }
        // Without synchronization a shard's own statistics would differ from the whole batch's.
        Assert.NotEqual(whole.MovingMean, Step(Communicators.Single, x, w, 0, shardRows[0], spatial).MovingMean);
    }

    // One step as above with fixed-point sums: the graph knows the whole batch's rows, as a distributed fit tells it.
    // Channels last ([2, 3, F] rows) or inside ([F, 6] rows, axis 1).
    private static (Result Result, long[] Gamma, long[] Beta) FixedPointStep(ICommunicator communicator, Tensor x, Tensor w, int start, int count, int total,
        bool channelsInside)
    {
        int[] row = channelsInside ? [Features, 6] : [2, 3, Features];
        var layer = new BatchNormalization(new BatchNormalizationConfig { Synchronized = true, Momentum = 0.5, Axis = channelsInside ? [1] : [-1] });
        layer.Build([-1, .. row], new RandomGenerator(1));
        foreach (var v in layer.Variables.Where(v => v.Name is "gamma" or "beta"))
            TestSupport.Random(v.Name == "gamma" ? 2 : 3, 0.5, Features).Data.CopyTo(v.Value.Data, 0);
        var graph = new Graph { Communicator = communicator, ReproducibleSums = true, GlobalRows = communicator.Size > 1 ? total : 0 };
        var input = graph.Input([count, .. row], requiresGradient: true);
        input.Set(Rows(x, start, count, row));
        var y = layer.Call(input, CallMode.Training);
        var weights = graph.Input([count, .. row]);
        weights.Set(Rows(w, start, count, row));
        var loss = Ops.Sum(Ops.Multiply(y, weights));
        graph.Forward();
        graph.Backward(loss);
        var sums = (string name) => graph.FixedPointGradientOf(layer.Variables.Single(v => v.Name == name))!;
        var (gamma, beta) = (sums("gamma"), sums("beta"));
        communicator.AllReduceSum(gamma.Sums.AsSpan());
        communicator.AllReduceSum(beta.Sums.AsSpan());
        float[] Rounded(FixedPointGradient g) { var values = new float[Features]; g.RoundInto(values); return values; }
        float[] Value(string name) => layer.Variables.Single(v => v.Name == name).Value.Data.ToArray();
        return (new(y.Value.Data.ToArray(), input.Gradient!.Data.ToArray(), Rounded(gamma), Rounded(beta), Value("moving_mean"), Value("moving_variance")),
            gamma.Sums.ToArray(), beta.Sums.ToArray());
    }

    // With sums in fixed point the shards give one process's bits: outputs, input gradients, moving statistics, and
    // γ's and β's integer sums once the ranks add theirs up.
    [Theory]
    [InlineData(new[] { 5, 2, 3 }, false)]
    [InlineData(new[] { 1, 9 }, false)]
    [InlineData(new[] { 4, 4, 1, 3 }, true)]
    [InlineData(new[] { 7, 3 }, true)]
    public void WithFixedPointSumsShardsGiveTheWholeBatchsBits(int[] shardRows, bool channelsInside)
    {
        int rows = shardRows.Sum(), width = 6 * Features;
        var x = TestSupport.Random(4, 3.0, rows, width);
        for (int i = 0; i < x.Size; i++) x.Data[i] += 10f * (channelsInside ? i / 6 % Features : i % Features);
        var w = TestSupport.Random(5, 1.0, rows, width);
        var whole = FixedPointStep(Communicators.Single, x, w, 0, rows, rows, channelsInside);
        using var group = new InProcessGroup(shardRows.Length);
        var results = new (Result Result, long[] Gamma, long[] Beta)[shardRows.Length];
        var threads = group.Members.Select(m => new Thread(() =>
            results[m.Rank] = FixedPointStep(m, x, w, shardRows.Take(m.Rank).Sum(), shardRows[m.Rank], rows, channelsInside))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(whole.Result.Output, results.SelectMany(r => r.Result.Output));
        Assert.Equal(whole.Result.InputGradient, results.SelectMany(r => r.Result.InputGradient));
        foreach (var r in results)
        {
            Assert.Equal(whole.Gamma, r.Gamma);
            Assert.Equal(whole.Beta, r.Beta);
            Assert.Equal(whole.Result.GammaGradient, r.Result.GammaGradient);
            Assert.Equal(whole.Result.MovingMean, r.Result.MovingMean);
            Assert.Equal(whole.Result.MovingVariance, r.Result.MovingVariance);
        }
        // And the same values as the float sums', to float precision.
        var floats = Step(Communicators.Single, Reordered(x, channelsInside), Reordered(w, channelsInside), 0, rows, spatial: true);
        TestSupport.AssertClose(Reordered(floats.Output, channelsInside, back: true), whole.Result.Output, 1e-5, "output");
        TestSupport.AssertClose(Reordered(floats.InputGradient, channelsInside, back: true), whole.Result.InputGradient, 1e-4, "input gradient");
        TestSupport.AssertClose(floats.GammaGradient, whole.Result.GammaGradient, 1e-5, "gamma gradient");
        TestSupport.AssertClose(floats.BetaGradient, whole.Result.BetaGradient, 1e-5, "beta gradient");
        TestSupport.AssertClose(floats.MovingVariance, whole.Result.MovingVariance, 1e-5, "moving variance");
    }

    // Rows of [F, 6] (channels inside) as [6, F] (channels last), or back.
    private static Tensor Reordered(Tensor t, bool channelsInside) => new(t.ShapeArray(), Reordered(t.Data, channelsInside));

    private static float[] Reordered(float[] data, bool channelsInside, bool back = false)
    {
        if (!channelsInside) return data;
        var result = new float[data.Length];
        for (int r = 0; r < data.Length / (6 * Features); r++)
            for (int c = 0; c < Features; c++)
                for (int k = 0; k < 6; k++)
                {
                    int inside = r * 6 * Features + c * 6 + k, last = r * 6 * Features + k * Features + c;
                    if (back) result[inside] = data[last];
                    else result[last] = data[inside];
                }
        return result;
    }
}
