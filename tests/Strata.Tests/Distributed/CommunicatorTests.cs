using Strata.Distributed;
using Xunit;

namespace Strata.Tests.Distributed;

/// <summary>Exchanges between ranks that are threads of this process, and the merged statistics of shards.</summary>
public class CommunicatorTests
{
    // Runs body on every member of a group of the given size, each on its own thread; returns their results by rank.
    private static T[] OnRanks<T>(int size, Func<ICommunicator, T> body)
    {
        using var group = new InProcessGroup(size);
        var results = new T[size];
        var threads = group.Members.Select(member => new Thread(() => results[member.Rank] = body(member))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return results;
    }

    [Fact]
    public void AllGatherPutsEveryRanksValuesInRankOrderOnEveryRank()
    {
        var results = OnRanks(3, c =>
        {
            var all = new double[6];
            c.AllGather([c.Rank, 10.0 * c.Rank + 0.5], all);
            return all;
        });
        Assert.All(results, all => Assert.Equal([0, 0.5, 1, 10.5, 2, 20.5], all));
    }

    [Fact]
    public void AllReduceSumAddsInRankOrderAndEveryRankGetsTheSameBits()
    {
        var results = OnRanks(3, c =>
        {
            float[] values = [c.Rank + 1f, 0.1f * c.Rank, 1e-8f, c.Rank == 1 ? 1e8f : 1f];
            c.AllReduceSum(values);
            return values;
        });
        // Summed in double, rounded once: (1 + 1e8) + 1 is exact there.
        float[] expected = [6f, (float)(0.0 + 0.1f + 0.2f), (float)(3 * (double)1e-8f), (float)(1.0 + 1e8 + 1.0)];
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    // Integer sums over pieces and a ragged tail: value i of rank r is r·2^40 + i; one value, 2^62 on every rank, wraps.
    [Theory]
    [InlineData(2, 5)]
    [InlineData(3, 1_048_577)]
    [InlineData(3, 2_500_001)]
    public void IntegerSumsOfAnyLengthAreExactOnEveryRank(int ranks, int length)
    {
        var results = OnRanks(ranks, c =>
        {
            var values = new long[length];
            for (int i = 0; i < length; i++) values[i] = ((long)c.Rank << 40) + i;
            values[length / 2] = 1L << 62;
            c.AllReduceSum(values.AsSpan());
            return values;
        });
        long ranksSum = (long)ranks * (ranks - 1) / 2 << 40;
        foreach (var values in results)
        {
            Assert.Equal(unchecked(ranks * (1L << 62)), values[length / 2]);
            values[length / 2] = ranksSum + (long)ranks * (length / 2);
            Assert.Equal(Enumerable.Range(0, length).Select(i => ranksSum + (long)ranks * i), values);
        }
    }

    [Fact]
    public void AllReduceMaxTakesTheLargestAndKeepsNaN()
    {
        var results = OnRanks(3, c =>
        {
            double[] values = [c.Rank, -c.Rank, c.Rank == 1 ? double.NaN : 0];
            c.AllReduceMax(values);
            return values;
        });
        Assert.All(results, values => Assert.Equal([2, 0, double.NaN], values));
    }

    [Fact]
    public void AllToAllSendsBlockJToRankJ()
    {
        var results = OnRanks(3, c =>
        {
            // Rank r sends 100r + 10j + k to rank j, k = 0, 1.
            float[] send = [.. Enumerable.Range(0, 6).Select(i => 100f * c.Rank + 10 * (i / 2) + i % 2)];
            var receive = new float[6];
            c.AllToAll(send, receive);
            var gathered = new float[9];
            c.AllGather([c.Rank, c.Rank + 0.5f, -c.Rank], gathered);
            return (receive, gathered);
        });
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal([.. Enumerable.Range(0, 6).Select(i => 100f * (i / 2) + 10 * j + i % 2)], results[j].receive);
            Assert.Equal([0, 0.5f, 0, 1, 1.5f, -1, 2, 2.5f, -2], results[j].gathered);
        }
    }

    [Theory]
    [InlineData(2, 7)]
    [InlineData(3, 3_000_001)]
    [InlineData(3, 2)]
    public void AllReduceSumOfAnyLengthAddsEachValueInRankOrder(int ranks, int length)
    {
        // Values of very different sizes, so that another order of additions would round differently.
        static float Value(int rank, int i) => (float)(Math.Sin(i * 0.37 + rank) * Math.Pow(10, (i + rank) % 9 - 4));
        var results = OnRanks(ranks, c =>
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = Value(c.Rank, i);
            c.AllReduceSum(values);
            return values;
        });
        var expected = new float[length];
        for (int i = 0; i < length; i++)
        {
            double sum = 0;
            for (int r = 0; r < ranks; r++) sum += Value(r, i);
            expected[i] = (float)sum;
        }
        Assert.All(results, r => Assert.True(expected.AsSpan().SequenceEqual(r), "the sums differ"));
    }

    [Theory]
    [InlineData(new[] { 5, 0, 3 })]
    [InlineData(new[] { 0, 0, 7, 1 })]
    [InlineData(new[] { 2, 2 })]
    public void MergedMomentsAreThoseOfTheWholeBatchWhateverTheShards(int[] shardRows)
    {
        int ranks = shardRows.Length, channels = 2;
        var random = new Random(3);
        // Channel 1 sits far from zero, where a sum of squares would lose digits.
        var shards = shardRows.Select(n => Enumerable.Range(0, n).Select(_ => new[] { random.NextDouble(), 1e4 + random.NextDouble() }).ToArray()).ToArray();
        var whole = shards.SelectMany(s => s).ToArray();
        var results = OnRanks(ranks, c =>
        {
            var rows = shards[c.Rank];
            var mean = new double[channels];
            var squares = new double[channels];
            for (int ch = 0; ch < channels; ch++)
            {
                mean[ch] = rows.Length == 0 ? 0 : rows.Average(r => r[ch]);
                squares[ch] = rows.Sum(r => (r[ch] - mean[ch]) * (r[ch] - mean[ch]));
            }
            long count = SynchronizedMoments.AllMerge(c, rows.Length, mean, squares);
            return (count, mean, squares);
        });
        for (int ch = 0; ch < channels; ch++)
        {
            double mean = whole.Average(r => r[ch]);
            double squares = whole.Sum(r => (r[ch] - mean) * (r[ch] - mean));
            Assert.All(results, r =>
            {
                Assert.Equal(whole.Length, r.count);
                Assert.Equal(mean, r.mean[ch], 1e-12 * Math.Abs(mean));
                Assert.Equal(squares, r.squares[ch], 1e-9 * squares);
            });
        }
        Assert.All(results, r => Assert.Equal(results[0].mean, r.mean));
    }

    [Fact]
    public void OneProcessIsItsOwnGroup()
    {
        var single = Communicators.Single;
        Assert.Equal((0, 1), (single.Rank, single.Size));
        float[] values = [1.5f, -2f];
        single.AllReduceSum(values);
        Assert.Equal([1.5f, -2f], values);
    }
}
