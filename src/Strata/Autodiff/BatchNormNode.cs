using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// Fused batch normalization over every axis but <c>axis</c>. With batch statistics it normalizes
/// by the batch mean and biased variance and moves the moving statistics toward them
/// (moving = moving·momentum + batch·(1 − momentum), Keras's convention); without, it uses the
/// moving statistics and leaves them alone.
/// </summary>
internal sealed class BatchNormNode : Node
{
    private readonly Node? _gamma, _beta;
    private readonly Node _movingMean, _movingVariance;
    private readonly bool _batchStatistics;
    private readonly float _momentum, _epsilon;
    private readonly int _outer, _channels, _inner;
    private readonly float[] _xhat, _invStd, _mean, _variance;

    public BatchNormNode(Node x, Node? gamma, Node? beta, Node movingMean, Node movingVariance,
        int axis, float momentum, float epsilon, bool batchStatistics)
        : base(x.Graph, x.Value.ShapeArray(), Collect(x, gamma, beta, movingMean, movingVariance))
    {
        int a = ShapeOps.NormalizeAxis(axis, x.Shape.Length);
        _outer = ShapeOps.Size(x.Shape[..a]);
        _channels = x.Shape[a];
        _inner = ShapeOps.Size(x.Shape[(a + 1)..]);
        if (movingMean.Value.Size != _channels)
            throw new StrataException($"BatchNormalization statistics have {movingMean.Value.Size} channels; the input has {_channels} on axis {axis}.");
        _gamma = gamma;
        _beta = beta;
        _movingMean = movingMean;
        _movingVariance = movingVariance;
        _momentum = momentum;
        _epsilon = epsilon;
        _batchStatistics = batchStatistics;
        _xhat = new float[Value.Size];
        _invStd = new float[_channels];
        _mean = new float[_channels];
        _variance = new float[_channels];
    }

    private static Node[] Collect(Node x, Node? gamma, Node? beta, Node mean, Node variance)
    {
        var list = new List<Node> { x };
        if (gamma is not null) list.Add(gamma);
        if (beta is not null) list.Add(beta);
        list.Add(mean);
        list.Add(variance);
        return list.ToArray();
    }

    internal override void Forward()
    {
        var x = Inputs[0].Value.Data;
        var gamma = _gamma?.Value.Data;
        var beta = _beta?.Value.Data;
        var movingMean = _movingMean.Value.Data;
        var movingVariance = _movingVariance.Value.Data;
        if (_batchStatistics)
        {
            BatchNormKernels.ForwardTraining(x, _outer, _channels, _inner, _epsilon, gamma, beta,
                _mean, _variance, _invStd, _xhat, Value.Data);
            float keep = _momentum, take = 1f - _momentum;
            for (int c = 0; c < _channels; c++)
            {
                movingMean[c] = movingMean[c] * keep + _mean[c] * take;
                movingVariance[c] = movingVariance[c] * keep + _variance[c] * take;
            }
        }
        else
        {
            BatchNormKernels.ForwardInference(x, _outer, _channels, _inner, _epsilon, gamma, beta,
                movingMean, movingVariance, _invStd, _xhat, Value.Data);
        }
    }

    internal override void Backward()
    {
        Node x = Inputs[0];
        BatchNormKernels.Backward(Gradient!.Data, _xhat, _invStd, _outer, _channels, _inner,
            _gamma?.Value.Data,
            _gamma is not null && Flows(_gamma) ? _gamma.Gradient!.Data : null,
            _beta is not null && Flows(_beta) ? _beta.Gradient!.Data : null,
            Flows(x) ? x.Gradient!.Data : null,
            _batchStatistics);
    }
}
