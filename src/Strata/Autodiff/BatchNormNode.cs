using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// Batch normalization, one statistic per position along the feature axes. With batch statistics
/// it normalizes by the batch mean and biased variance and moves the moving statistics toward them
/// (exponential or cumulative average, biased or unbiased variance: see <see cref="BatchNormOptions"/>);
/// with moving statistics it uses them and leaves them alone. The call mode decides which:
/// <see cref="CallMode.IsTraining"/> for batch statistics, <see cref="CallMode.AccumulatesStatistics"/>
/// to merge the input's moments into the population statistics (precise BN).
/// The common case (adjacent feature axes, no ghost batches, no renormalization) runs on the fused,
/// parallel kernels; the rest on <see cref="BatchNormGeneral"/>, which keeps a statistic index per element.
/// Batch renormalization: y = γ·(r·x̂ + d) + β with r = σ_B/σ_R and d = (μ_B − μ_R)/σ_R clipped and
/// held constant in the backward pass, μ_R and σ_R moving averages updated with renorm_momentum.
/// </summary>
internal sealed class BatchNormNode : Node
{
    private readonly BatchNormNodes _nodes;
    private readonly BatchNormOptions _options;
    private readonly CallMode _mode;
    private readonly PopulationStatistics? _population;
    private readonly int _outer, _channels, _inner;
    private readonly BatchNormGeneral? _general;
    private readonly float[]? _xhat;
    private readonly float[] _invStd, _mean, _variance;
    private long _count;
    private bool _relu;
    private readonly FixedPointStatistics? _fixedPoint;
    public BatchNormNode(Node x, BatchNormNodes nodes, BatchNormOptions options, CallMode mode, PopulationStatistics? population)
        : base(x.Graph, x.Value.ShapeArray(), nodes.Collect(x))
    {
        var shape = x.Value.ShapeArray();
        var axes = options.AxisArray;
        if (axes.Length == 0 || axes.Any(a => a < 1 || a >= shape.Length) || axes.Distinct().Count() != axes.Length || !axes.SequenceEqual(axes.Order()))
            throw new StrataException($"BatchNormalization axes [{string.Join(", ", axes)}] must be distinct, ascending feature axes of input {ShapeOps.Format(shape)}.");
        _channels = 1;
        foreach (int a in axes) _channels *= shape[a];
        if (nodes.MovingMean.Value.Size != _channels)
            throw new StrataException($"BatchNormalization statistics have {nodes.MovingMean.Value.Size} values; the input has {_channels} positions along axes [{string.Join(", ", axes)}].");
        _nodes = nodes;
        _options = options;
        _mode = mode;
        _population = mode.AccumulatesStatistics ? population : null;
        bool adjacent = axes[^1] - axes[0] == axes.Length - 1;
        if (adjacent && options.VirtualBatchSize == 0 && !(options.Renorm && mode.IsTraining))
        {
            _outer = ShapeOps.Size(shape[..axes[0]]);
            _inner = ShapeOps.Size(shape[(axes[^1] + 1)..]);
        }
        else
        {
            if (options.Synchronized && mode.IsTraining && x.Graph.Communicator.Size > 1)
                throw new StrataException("Synchronized BatchNormalization normalizes adjacent feature axes without ghost batches or renormalization; this layer uses one of them.");
            _general = new BatchNormGeneral(shape, axes, mode.IsTraining ? options.VirtualBatchSize : 0);
        }
        // The general path keeps x̂ for backward; a graph that never runs backward lets the output take its place
        // (each element's x̂ is written just before its output). The adjacent-axes kernels take it again from x.
        if (_general is not null) _xhat = RequiresGradient || mode.IsTraining ? new float[Value.Size] : Value.Data;
        int statistics = _general?.Statistics ?? _channels;
        _invStd = new float[statistics];
        _mean = new float[statistics];
        _variance = new float[statistics];
        if (x.Graph.ReproducibleSums && mode.IsTraining && _general is null) _fixedPoint = new FixedPointStatistics(_channels);
    }

    /// <summary>
    /// Makes the output max(y, 0), a relu's output, in the same pass; its gradient is then taken with respect to
    /// that output. Only for a node no other node has read yet, on the adjacent-axes kernels; returns whether it did.
    /// </summary>
    internal bool FuseRelu()
    {
        if (_general is not null || Graph.Nodes[^1] != this) return false;
        _relu = true;
        return true;
    }

    /// <summary>Whether the output is passed through a relu (<see cref="FuseRelu"/>).</summary>
    internal bool FusesRelu => _relu;

    internal override void Forward()
    {
        var x = Inputs[0].Value.Data;
        var gamma = _nodes.Gamma?.Value.Data;
        var beta = _nodes.Beta?.Value.Data;
        var movingMean = _nodes.MovingMean.Value.Data;
        var movingVariance = _nodes.MovingVariance.Value.Data;
        if (_population is not null)
        {
            if (_general is null) _population.Add(x, _outer, _channels, _inner);
            else _general.Accumulate(x, _population);
        }
        if (!_mode.IsTraining)
        {
            if (_general is null)
                BatchNormKernels.Forward(x, _outer, _channels, _inner, _options.Epsilon, gamma, beta,
                    movingMean, movingVariance, _invStd, _xhat, Value.Data, _mode, relu: _relu);
            else
                _general.ForwardInference(x, _options.Epsilon, gamma, beta, movingMean, movingVariance, _invStd, _xhat!, Value.Data);
            return;
        }
        if (_fixedPoint is not null)
        {
            _count = _fixedPoint.Moments(x, _outer, _channels, _inner, Synchronized, BatchValues(Synchronized), _mean, _variance);
            BatchNormKernels.Forward(x, _outer, _channels, _inner, _options.Epsilon, gamma, beta,
                _mean, _variance, _invStd, _xhat, Value.Data, CallMode.Inference, relu: _relu);
            UpdateMovingStatistics(groups: 1);
        }
        else if (_general is null)
        {
            _count = BatchNormKernels.Forward(x, _outer, _channels, _inner, _options.Epsilon, gamma, beta,
                _mean, _variance, _invStd, _xhat, Value.Data, _mode, Synchronized, _relu);
            UpdateMovingStatistics(groups: 1);
        }
        else
        {
            _general.ForwardTraining(x, _options, gamma, beta, _nodes.RenormMean?.Value.Data, _nodes.RenormStddev?.Value.Data,
                _mean, _variance, _invStd, _xhat!, Value.Data);
            if (_options.Renorm) UpdateRenormStatistics();
            UpdateMovingStatistics(_general.Groups);
        }
    }

    // The values of each statistic: this rank's, or the whole batch's with synchronized ranks.
    private long BatchValues(Distributed.ICommunicator? synchronized)
    {
        long local = (long)_outer * _inner;
        return synchronized is { Size: > 1 } ? Graph.TermsOverBatch(local, Inputs[0].Shape[0]) : local;
    }

    internal override (int Rows, int Columns)? FixedPointLayout(int input) =>
        _fixedPoint is not null && input > 0 && (Inputs[input] == _nodes.Gamma || Inputs[input] == _nodes.Beta) ? (1, _channels) : null;

    // Ghost batches contribute the average of their statistics, as Keras does.
    // The graph's ranks when the statistics are synchronized among them.
    private Distributed.ICommunicator? Synchronized => _options.Synchronized && _mode.IsTraining ? Graph.Communicator : null;

    private void UpdateMovingStatistics(int groups)
    {
        var movingMean = _nodes.MovingMean.Value.Data;
        var movingVariance = _nodes.MovingVariance.Value.Data;
        float take;
        if (_options.Cumulative)
        {
            var updates = _nodes.Updates!.Value.Data;
            updates[0] += 1;
            take = 1f / updates[0];
        }
        else
        {
            take = 1f - _options.Momentum;
        }
        for (int c = 0; c < _channels; c++)
        {
            double m = 0, v = 0;
            for (int g = 0; g < groups; g++)
            {
                int s = g * _channels + c;
                int n = _general?.Count(s) ?? _outer * _inner;
                m += _mean[s];
                v += _options.UnbiasedMovingVariance && n > 1 ? _variance[s] * (double)n / (n - 1) : _variance[s];
            }
            movingMean[c] += ((float)(m / groups) - movingMean[c]) * take;
            movingVariance[c] += ((float)(v / groups) - movingVariance[c]) * take;
        }
    }

    private void UpdateRenormStatistics()
    {
        var renormMean = _nodes.RenormMean!.Value.Data;
        var renormStddev = _nodes.RenormStddev!.Value.Data;
        int groups = _general!.Groups;
        float take = 1f - _options.RenormMomentum;
        for (int c = 0; c < _channels; c++)
        {
            double m = 0, sd = 0;
            for (int g = 0; g < groups; g++)
            {
                int s = g * _channels + c;
                m += _mean[s];
                sd += MathF.Sqrt(_variance[s] + _options.Epsilon);
            }
            renormMean[c] += ((float)(m / groups) - renormMean[c]) * take;
            renormStddev[c] += ((float)(sd / groups) - renormStddev[c]) * take;
        }
    }

    // dx is written element by element after the sums over dy are taken.
    internal override bool BackwardInPlace(int input) => input == 0 && _general is null;

    internal override void Backward()
    {
        Node x = Inputs[0];
        var gamma = _nodes.Gamma?.Value.Data;
        var dGamma = _nodes.Gamma is { } g && Flows(g) ? g.Gradient!.Data : null;
        var dBeta = _nodes.Beta is { } b && Flows(b) ? b.Gradient!.Data : null;
        var dx = Flows(x) ? x.Gradient!.Data : null;
        // The relu's gradient replaces the output's in place: nothing reads this node's gradient after its backward.
        if (_relu) ActivationKernels.Backward(ActivationFunction.Relu, [], Value.Data, Gradient!.Data, Gradient.Data, _channels);
        if (_fixedPoint is not null)
        {
            var (gammaSums, betaSums) = ((_nodes.Gamma as ParameterNode)?.FixedPointGradient, (_nodes.Beta as ParameterNode)?.FixedPointGradient);
            var sums = _fixedPoint.GradientSums(Gradient!.Data, x.Value.Data, _mean, _invStd, _outer, _channels, _inner, Graph.Communicator,
                Graph.TermsOverBatch((long)_outer * _inner, x.Shape[0]), gammaSums, betaSums, gammaSums is null ? dGamma : null,
                betaSums is null ? dBeta : null, dx is null ? null : Synchronized);
            if (dx is not null)
                BatchNormKernels.Backward(Gradient.Data, x.Value.Data, _mean, _invStd, _outer, _channels, _inner, gamma, null, null,
                    dx, _mode, count: _count, accumulate: !ReferenceEquals(dx, Gradient.Data), givenSums: sums);
        }
        else if (_general is null)
            BatchNormKernels.Backward(Gradient!.Data, x.Value.Data, _mode.IsTraining ? _mean : _nodes.MovingMean.Value.Data, _invStd, _outer, _channels, _inner, gamma, dGamma, dBeta, dx, _mode, Synchronized, _count,
                accumulate: !ReferenceEquals(dx, Gradient.Data));
        else
            _general.Backward(Gradient!.Data, _xhat!, _invStd, gamma, dGamma, dBeta, dx, _mode);
    }
}
