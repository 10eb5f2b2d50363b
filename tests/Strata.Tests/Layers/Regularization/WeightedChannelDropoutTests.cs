using Strata.Autodiff;
using Strata.Layers.Regularization;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Regularization;

/// <summary>Weighted Channel Dropout: selection frequencies from the weighted random selection's definition, the rescaling, the random step.</summary>
public class WeightedChannelDropoutTests
{
    // Samples of 2×2 maps whose four channels average 1, 2, 3 and 4 (one position holds 2·score, another 0).
    private static Tensor Scored(int samples)
    {
        var x = new Tensor(samples, 2, 2, 4);
        for (int n = 0; n < samples; n++)
            for (int ch = 0; ch < 4; ch++)
            {
                x.Data[(n * 4 + 0) * 4 + ch] = 2 * (ch + 1);
                x.Data[(n * 4 + 1) * 4 + ch] = ch + 1;
                x.Data[(n * 4 + 2) * 4 + ch] = 0;
                x.Data[(n * 4 + 3) * 4 + ch] = ch + 1;
            }
        return x;
    }

    [Fact]
    public void SelectingOneChannelPicksEachInProportionToItsScore()
    {
        const int samples = 20000;
        var x = Scored(samples);
        // rate 0.75 keeps M = 1 of 4; key r^(1/s) is largest for channel i with probability sᵢ/Σs: 0.1, 0.2, 0.3, 0.4.
        var y = TestSupport.Apply(new WeightedChannelDropout(0.75, seed: 3), x, CallMode.Training);
        var counts = new int[4];
        for (int n = 0; n < samples; n++)
        {
            var kept = Enumerable.Range(0, 4).Where(ch => y[(n * 4) * 4 + ch] != 0).ToList();
            int only = Assert.Single(kept);
            counts[only]++;
            // α = Σ all scores / Σ selected scores = 10 / score.
            Assert.Equal(2 * (only + 1) * 10f / (only + 1), y[(n * 4) * 4 + only], 4);
        }
        for (int ch = 0; ch < 4; ch++) Assert.Equal((ch + 1) / 10.0, counts[ch] / (double)samples, 2);
    }

    [Fact]
    public void KeptChannelsAreScaledByAllScoresOverSelectedScores()
    {
        var x = Scored(50);
        var y = TestSupport.Apply(new WeightedChannelDropout(0.5, seed: 4), x, CallMode.Training);
        for (int n = 0; n < 50; n++)
        {
            var kept = Enumerable.Range(0, 4).Where(ch => y[n * 16 + ch] != 0).ToArray();
            Assert.Equal(2, kept.Length);
            float alpha = 10f / kept.Sum(ch => ch + 1);
            for (int p = 0; p < 4; p++)
                foreach (int ch in kept) Assert.Equal(x.Data[n * 16 + p * 4 + ch] * alpha, y[n * 16 + p * 4 + ch], 4);
        }
    }

    [Fact]
    public void TheRandomStepDropsSelectedChannelsAtItsRateAndZeroScoresAreNeverPreferred()
    {
        var x = Scored(5000);
        // rate 0: every channel is selected and α = 1, so only the random step drops, at random_rate.
        var y = TestSupport.Apply(new WeightedChannelDropout(0, randomRate: 0.3, seed: 5), x, CallMode.Training);
        var firstPosition = Enumerable.Range(0, 5000 * 4).Select(i => y[(i / 4) * 16 + i % 4]).ToArray();
        Assert.Equal(0.7, firstPosition.Count(v => v != 0) / (double)firstPosition.Length, 2);
        Assert.All(Enumerable.Range(0, firstPosition.Length), i => Assert.True(firstPosition[i] == 0 || firstPosition[i] == 2 * (i % 4 + 1)));
        // A channel averaging below 0 scores 0: with three positive channels to choose, it is never among the three.
        var negative = Scored(200);
        for (int i = 0; i < negative.Size; i += 4) negative.Data[i] = -1;
        var z = TestSupport.Apply(new WeightedChannelDropout(0.25, seed: 6), negative, CallMode.Training);
        Assert.All(Enumerable.Range(0, 200 * 4), i => Assert.Equal(0f, z[i * 4]));
    }

    [Fact]
    public void InferenceIsTheIdentityAndTheSeedReproducesTheDraw()
    {
        var x = TestSupport.Random(2, 1, 6, 3, 3, 8);
        Assert.Equal(x.Data, TestSupport.Apply(new WeightedChannelDropout(0.5, 0.2), x, CallMode.Inference));
        var a = TestSupport.Apply(new WeightedChannelDropout(0.5, 0.2, seed: 9), x, CallMode.Training);
        Assert.Equal(a, TestSupport.Apply(new WeightedChannelDropout(0.5, 0.2, seed: 9), x, CallMode.Training));
        Assert.NotEqual(a, TestSupport.Apply(new WeightedChannelDropout(0.5, 0.2, seed: 10), x, CallMode.Training));
        Assert.Contains("Received: rate=1", Assert.Throws<ArgumentOutOfRangeException>(() => new WeightedChannelDropout(1)).Message);
        Assert.Contains("random_rate=2", Assert.Throws<ArgumentOutOfRangeException>(() => new WeightedChannelDropout(0.5, 2)).Message);
        Assert.Equal(3, new WeightedChannelDropout(0.5).SelectedChannels(5));
        Assert.Equal(1, new WeightedChannelDropout(0.99).SelectedChannels(5));
    }
}
