namespace Strata.Autodiff;

/// <summary>Element-wise functions of one tensor, some with constant parameters (clip bounds, a scale).</summary>
internal sealed class UnaryNode : Node
{
    private readonly UnaryOperator _op;
    private readonly float _p, _q;

    public UnaryNode(UnaryOperator op, Node x, float p = 0, float q = 0) : base(x.Graph, x.Value.ShapeArray(), x)
    {
        _op = op;
        _p = p;
        _q = q;
    }

    internal override void Forward()
    {
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        for (int i = 0; i < y.Length; i++)
        {
            float v = x[i];
            y[i] = _op switch
            {
                UnaryOperator.Negate => -v,
                UnaryOperator.Abs => MathF.Abs(v),
                UnaryOperator.Square => v * v,
                UnaryOperator.Sqrt => MathF.Sqrt(v),
                UnaryOperator.Exp => MathF.Exp(v),
                UnaryOperator.Log => MathF.Log(v),
                // log(1 + e^v) without overflow.
                UnaryOperator.Softplus => MathF.Max(v, 0) + MathF.Log(1 + MathF.Exp(-MathF.Abs(v))),
                UnaryOperator.Clip => MathF.Min(MathF.Max(v, _p), _q),
                UnaryOperator.Scale => v * _p,
                _ => v + _p,
            };
        }
    }

    internal override void Backward()
    {
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        var dy = Gradient!.Data;
        var dx = Inputs[0].Gradient!.Data;
        for (int i = 0; i < dy.Length; i++)
        {
            float v = x[i], g = dy[i];
            dx[i] += _op switch
            {
                UnaryOperator.Negate => -g,
                UnaryOperator.Abs => v > 0 ? g : v < 0 ? -g : 0,
                UnaryOperator.Square => 2 * v * g,
                UnaryOperator.Sqrt => g * 0.5f / y[i],
                UnaryOperator.Exp => g * y[i],
                UnaryOperator.Log => g / v,
                UnaryOperator.Softplus => g * Kernels.ActivationKernels.Sigmoid(v),
                // Inside the bounds only, like TensorFlow's clip_by_value.
                UnaryOperator.Clip => v >= _p && v <= _q ? g : 0,
                UnaryOperator.Scale => g * _p,
                _ => g,
            };
        }
    }
}
