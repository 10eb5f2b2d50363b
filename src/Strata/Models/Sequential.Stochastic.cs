using Strata.Layers;
using Strata.Layers.Normalization;
using Strata.Tensors;

namespace Strata.Models;

public sealed partial class Sequential
{
    /// <summary>
    /// Monte-Carlo dropout (Gal and Ghahramani 2016): <paramref name="mcSamples"/> passes over x with
    /// the dropout family active and normalization in inference mode; returns the mean and standard
    /// deviation of the outputs. The masks come from <paramref name="seed"/> alone, so the same seed
    /// gives the same result, and the layers' own random streams are left where they were.
    /// </summary>
    public MonteCarloPrediction Predict(Tensor x, int mcSamples, int seed, int batchSize = 32)
    {
        if (mcSamples < 1) throw new StrataException($"Expected at least one Monte-Carlo sample. Received: mc_samples={mcSamples}");
        if (batchSize <= 0) throw new StrataException($"Expected a positive batch_size. Received: batch_size={batchSize}");
        EnsureBuilt(x);
        var streams = _layers.SelectMany(l => l.RandomStreams).ToList();
        var saved = streams.Select(s => (s.Seed, s.Step)).ToList();
        var generator = new RandomGenerator((ulong)seed);
        foreach (var stream in streams)
        {
            stream.Seed = generator.NextSeed();
            stream.Step = 0;
        }
        try
        {
            int n = x.Dim(0);
            int[] shape = [.. OutputShape!];
            shape[0] = n;
            var mean = new Tensor(shape);
            var deviation = new Tensor(shape);
            int width = mean.Size / Math.Max(1, n);
            var sum = new double[batchSize * width];
            var sumOfSquares = new double[batchSize * width];
            for (int start = 0; start < n; start += batchSize)
            {
                int count = Math.Min(batchSize, n - start), values = count * width;
                var step = GetStep(count, CallMode.MonteCarlo, targets: false);
                CopyRows(x, start, count, step.Input.Value);
                Array.Clear(sum);
                Array.Clear(sumOfSquares);
                for (int s = 0; s < mcSamples; s++)
                {
                    step.Run();
                    var y = step.Output.Value.Data;
                    for (int i = 0; i < values; i++) { sum[i] += y[i]; sumOfSquares[i] += (double)y[i] * y[i]; }
                }
                for (int i = 0; i < values; i++)
                {
                    double m = sum[i] / mcSamples;
                    mean.Data[start * width + i] = (float)m;
                    deviation.Data[start * width + i] = (float)Math.Sqrt(Math.Max(0, sumOfSquares[i] / mcSamples - m * m));
                }
            }
            return new MonteCarloPrediction(mean, deviation, mcSamples);
        }
        finally
        {
            for (int i = 0; i < streams.Count; i++) (streams[i].Seed, streams[i].Step) = saved[i];
        }
    }

    /// <summary>
    /// Recomputes every BatchNormalization layer's moving statistics as the exact population
    /// statistics of its input over x, with the current weights, dropout off and the layers before
    /// it already recalibrated ("precise BN", Wu and Johnson 2021). This repairs moving averages that
    /// lag behind the weights after short training, early stopping, a high momentum, or Dropout
    /// placed before BatchNormalization. Uses the first <paramref name="batches"/> batches of x (all by default).
    /// </summary>
    public IReadOnlyList<RecalibratedLayer> RecalibrateBatchNorm(Tensor x, int? batches = null, int batchSize = 32)
    {
        if (batchSize <= 0) throw new StrataException($"Expected a positive batch_size. Received: batch_size={batchSize}");
        if (batches is <= 0) throw new StrataException($"Expected a positive number of batches. Received: batches={batches}");
        EnsureBuilt(x);
        var layers = _layers.SelectMany(Flatten).OfType<BatchNormalization>().ToList();
        int rows = Math.Min(x.Dim(0), batches is int b ? b * batchSize : int.MaxValue);
        var result = new List<RecalibratedLayer>();
        // One pass per layer, in order: each layer's input depends on the statistics of those before it.
        foreach (var layer in layers)
        {
            float[] meanBefore = (float[])layer.MovingMean!.Value.Data.Clone(), varianceBefore = (float[])layer.MovingVariance!.Value.Data.Clone();
            layer.BeginRecalibration();
            for (int start = 0; start < rows; start += batchSize)
            {
                int count = Math.Min(batchSize, rows - start);
                var step = GetStep(count, CallMode.Recalibration, targets: false);
                CopyRows(x, start, count, step.Input.Value);
                step.Run();
            }
            layer.FinishRecalibration();
            result.Add(new RecalibratedLayer(layer.Name, meanBefore, varianceBefore,
                (float[])layer.MovingMean.Value.Data.Clone(), (float[])layer.MovingVariance.Value.Data.Clone(), layer.RecalibrationCount));
        }
        return result;
    }

    private static IEnumerable<Layer> Flatten(Layer layer) => new[] { layer }.Concat(layer.Children.SelectMany(Flatten));
}
