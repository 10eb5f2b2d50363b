using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Normalization;
using Strata.Models;
using Strata.Tensors;

namespace Strata.Advice;

/// <summary>
/// What one BatchNormalization layer sees. The variance shift (Li et al. 2019) is the ratio of its
/// input's variance in training (noise on, batch statistics) to the variance with the noise off
/// (batch statistics still), both averaged over channels: it isolates what the dropout family
/// upstream does; <see cref="MaxVarianceShift"/> is the largest ratio of one channel. The gaps compare
/// its moving statistics with the true statistics of its input at inference (moving statistics
/// upstream, noise off): the mean gap in standard deviations, averaged over channels, and the ratio
/// of the channel-averaged moving and true variances.
/// </summary>
public sealed record BatchNormDiagnosis(
    LayerRef Layer,
    int Channels,
    double TrainingVariance,
    double NoiseFreeVariance,
    double VarianceShift,
    double MaxVarianceShift,
    double MeanGap,
    double MovingToTrueVariance);

/// <summary>What one activation produces at inference: ReLU units that never fire, zero outputs, saturated sigmoid/tanh outputs.</summary>
public sealed record ActivationDiagnosis(LayerRef Layer, string Activation, int Units, double DeadUnits, double ZeroOutputs, double Saturated);

/// <summary>
/// A model measured on data. <see cref="OutputDifference"/> is the mean absolute difference between
/// predictions with the moving statistics and with statistics recalibrated on the same rows;
/// the losses compare the two on the evaluation rows when targets are known.
/// </summary>
public sealed record DiagnosisReport(
    int Rows,
    IReadOnlyList<BatchNormDiagnosis> BatchNormalization,
    IReadOnlyList<ActivationDiagnosis> Activations,
    double? OutputDifference,
    IReadOnlyDictionary<string, double>? MovingStatisticsScores,
    IReadOnlyDictionary<string, double>? RecalibratedScores)
{
    /// <summary>The saturation of each recurrent layer's gates at inference (<see cref="GateSaturation"/>), one entry per direction.</summary>
    public IReadOnlyList<RecurrentDiagnosis> Recurrent { get; init; } = [];
}

/// <summary>The layer-order advisor's measuring half: runs a model on data in training and inference mode and reports what each layer sees.</summary>
public static class Diagnosis
{
    /// <summary>ReLU outputs at or below this are zero; sigmoid/tanh outputs this close to their bounds are saturated.</summary>
    private const double SaturationMargin = 0.01;

    /// <summary>
    /// Measures <paramref name="model"/> on the rows of <paramref name="x"/>. The model is left exactly
    /// as it was: its variables and random streams are restored after the training-mode pass, and the
    /// recalibration runs on a copy. <paramref name="evaluation"/> (rows with targets) scores the model
    /// with moving and with recalibrated statistics when the model is compiled.
    /// </summary>
    public static DiagnosisReport Run(Sequential model, Tensor x, (Tensor X, Tensor Y)? evaluation = null, int batchSize = 256, int seed = 0)
    {
        if (batchSize <= 0) throw new StrataException($"Expected a positive batch_size. Received: batch_size={batchSize}");
        if (x.Rank == 0 || x.Dim(0) == 0) throw new StrataException("Diagnosis needs at least one row of data.");
        if (!model.IsBuilt) model.Build(model.InputShape?.ToArray() ?? x.ShapeArray());
        var layers = model.Layers;
        var batchNorms = Enumerable.Range(0, layers.Count).Where(i => layers[i] is BatchNormalization { Axes.Count: 1 }).ToList();
        var activations = Enumerable.Range(0, layers.Count)
            .Where(i => LayerRoles.ActivationOf(layers[i]) is ActivationFunction.Relu or ActivationFunction.Sigmoid or ActivationFunction.Tanh).ToList();
        var gates = Enumerable.Range(0, layers.Count)
            .SelectMany(i => GateSaturation.Cells(layers[i]).Select(cell => (Index: i, Counter: new GateSaturation.Counter(cell)))).ToList();

        var training = new PopulationStatistics[layers.Count];
        var noiseFree = new PopulationStatistics[layers.Count];
        var inference = new PopulationStatistics[layers.Count];
        var outputs = new ActivationCounts[layers.Count];
        var weights = model.GetWeights();
        var streams = layers.SelectMany(l => l.RandomStreams).ToList();
        var saved = streams.Select(s => (s.Seed, s.Step)).ToList();
        var generator = new RandomGenerator((ulong)seed);
        foreach (var stream in streams) { stream.Seed = generator.NextSeed(); stream.Step = 0; }
        try
        {
            Pass(model, x, CallMode.Training, batchSize, (i, input, _, _) =>
            {
                if (batchNorms.Contains(i)) Collect(training, i, layers[i], input);
            });
            Pass(model, x, CallMode.BatchStatisticsWithoutNoise, batchSize, (i, input, _, _) =>
            {
                if (batchNorms.Contains(i)) Collect(noiseFree, i, layers[i], input);
            });
        }
        finally
        {
            // Training mode moved the moving statistics; put every variable and stream back.
            model.SetWeights(weights);
            for (int i = 0; i < streams.Count; i++) (streams[i].Seed, streams[i].Step) = saved[i];
        }
        Pass(model, x, CallMode.Inference, batchSize, (i, input, output, mask) =>
        {
            foreach (var g in gates) if (g.Index == i) g.Counter.Add(input, mask);
            if (batchNorms.Contains(i)) Collect(inference, i, layers[i], input);
            if (activations.Contains(i)) (outputs[i] ??= new ActivationCounts(output.Shape[^1])).Add(output, LayerRoles.ActivationOf(layers[i])!.Value);
        });

        var bnReports = batchNorms.Select(i => Summarize(new LayerRef(i, layers[i].Name, layers[i].ClassName), (BatchNormalization)layers[i], training[i], noiseFree[i], inference[i])).ToList();
        var activationReports = activations.Select(i => outputs[i].Summarize(new LayerRef(i, layers[i].Name, layers[i].ClassName), LayerRoles.ActivationOf(layers[i])!.Value)).ToList();

        double? difference = null;
        IReadOnlyDictionary<string, double>? moving = null, recalibrated = null;
        if (batchNorms.Count > 0)
        {
            var copy = model.Clone();
            copy.RecalibrateBatchNorm(x, batchSize: batchSize);
            var before = model.Predict(x, batchSize);
            var after = copy.Predict(x, batchSize);
            double sum = 0;
            for (int i = 0; i < before.Size; i++) sum += Math.Abs((double)before.Data[i] - after.Data[i]);
            difference = sum / before.Size;
            if (evaluation is { } e && model.Loss is not null)
            {
                moving = model.Evaluate(e.X, e.Y, batchSize);
                recalibrated = copy.Evaluate(e.X, e.Y, batchSize);
            }
        }
        return new DiagnosisReport(x.Dim(0), bnReports, activationReports, difference, moving, recalibrated)
        {
            Recurrent = gates.Select(g => g.Counter.Summarize(g.Index)).ToList(),
        };
    }

    /// <summary>The mean variance shift over a model's BatchNormalization layers, or null without any.</summary>
    public static double? MeanVarianceShift(DiagnosisReport report) =>
        report.BatchNormalization.Count == 0 ? null : report.BatchNormalization.Average(b => b.VarianceShift);

    /// <summary>
    /// Runs the model over x in <paramref name="mode"/>, handing each layer's input, output and input mask
    /// (null when none reaches it) to <paramref name="visit"/>.
    /// </summary>
    private static void Pass(Sequential model, Tensor x, CallMode mode, int batchSize, Action<int, Tensor, Tensor, Tensor?> visit)
    {
        var graphs = new Dictionary<int, (Graph Graph, InputNode Input, Node[] Inputs, Node[] Outputs, Node?[] Masks)>();
        int n = x.Dim(0), width = x.Size / n;
        for (int start = 0; start < n; start += batchSize)
        {
            int count = Math.Min(batchSize, n - start);
            if (!graphs.TryGetValue(count, out var g))
            {
                var graph = new Graph { CollectsLosses = false };
                var shape = model.InputShape!.ToArray();
                shape[0] = count;
                var input = graph.Input(shape);
                var inputs = new Node[model.Layers.Count];
                var outputs = new Node[model.Layers.Count];
                var inputMasks = new Node?[model.Layers.Count];
                Node h = input;
                var masks = new MaskFlow();
                for (int i = 0; i < model.Layers.Count; i++)
                {
                    (inputs[i], inputMasks[i]) = (h, masks.Mask);
                    h = outputs[i] = masks.Call(model.Layers[i], h, mode);
                }
                graphs[count] = g = (graph, input, inputs, outputs, inputMasks);
            }
            x.Data.AsSpan(start * width, count * width).CopyTo(g.Input.Value.Data);
            g.Graph.Forward();
            for (int i = 0; i < model.Layers.Count; i++) visit(i, g.Inputs[i].Value, g.Outputs[i].Value, g.Masks[i]?.Value);
        }
    }

    // Merges the per-channel moments of a BatchNormalization layer's input into statistics[i].
    private static void Collect(PopulationStatistics[] statistics, int i, Layer layer, Tensor input)
    {
        int axis = ShapeOps.NormalizeAxis(((BatchNormalization)layer).Axis, input.Rank), channels = input.Shape[axis];
        int outer = ShapeOps.Size(input.Shape[..axis]), inner = ShapeOps.Size(input.Shape[(axis + 1)..]);
        (statistics[i] ??= new PopulationStatistics(channels)).Add(input.Data, outer, channels, inner);
    }

    private static double Variance(PopulationStatistics statistics, int c) => statistics.Variance(c, unbiased: false);

    private static BatchNormDiagnosis Summarize(LayerRef layer, BatchNormalization bn, PopulationStatistics training, PopulationStatistics noiseFree, PopulationStatistics inference)
    {
        int channels = inference.Mean.Count;
        var movingMean = bn.MovingMean!.Value.Data;
        var movingVariance = bn.MovingVariance!.Value.Data;
        double trainingVariance = 0, noiseFreeVariance = 0, trueVariance = 0, moving = 0, maxShift = 0, gap = 0;
        int counted = 0;
        for (int c = 0; c < channels; c++)
        {
            double vt = Variance(training, c), vn = Variance(noiseFree, c), vi = Variance(inference, c);
            // A channel that is constant without noise or at inference (a dead unit upstream) has nothing to measure.
            if (vn <= 1e-12 || vi <= 1e-12) continue;
            counted++;
            trainingVariance += vt;
            noiseFreeVariance += vn;
            trueVariance += vi;
            moving += movingVariance[c];
            maxShift = Math.Max(maxShift, vt / vn);
            gap += Math.Abs(movingMean[c] - inference.Mean[c]) / Math.Sqrt(vi);
        }
        if (counted == 0) return new BatchNormDiagnosis(layer, channels, 0, 0, double.NaN, double.NaN, double.NaN, double.NaN);
        // Ratios of channel-averaged variances: a near-constant channel cannot dominate them.
        return new BatchNormDiagnosis(layer, channels, trainingVariance / counted, noiseFreeVariance / counted,
            trainingVariance / noiseFreeVariance, maxShift, gap / counted, moving / trueVariance);
    }

    private sealed class ActivationCounts(int units)
    {
        private readonly long[] _active = new long[units];
        private long _values, _zeros, _saturated;

        public void Add(Tensor output, ActivationFunction function)
        {
            for (int e = 0; e < output.Size; e++)
            {
                float y = output.Data[e];
                if (y > 0) _active[e % units]++;
                else if (y == 0) _zeros++;
                bool saturated = function switch
                {
                    ActivationFunction.Sigmoid => y < SaturationMargin || y > 1 - SaturationMargin,
                    ActivationFunction.Tanh => Math.Abs(y) > 1 - SaturationMargin,
                    _ => false,
                };
                if (saturated) _saturated++;
            }
            _values += output.Size;
        }

        public ActivationDiagnosis Summarize(LayerRef layer, ActivationFunction function)
        {
            bool relu = function == ActivationFunction.Relu;
            return new ActivationDiagnosis(layer, LayerRoles.Describe(function), units,
                relu ? (double)_active.Count(a => a == 0) / units : double.NaN,
                relu ? (double)_zeros / _values : double.NaN,
                relu ? double.NaN : (double)_saturated / _values);
        }
    }
}
