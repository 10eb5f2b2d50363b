using Strata.Kernels;

namespace Strata.Autodiff;

/// <summary>y = f(x) for an <see cref="ActivationFunction"/>; softmax runs over the last axis.</summary>
internal sealed class ActivationNode : Node
{
    private readonly ActivationFunction _function;
    private readonly int _rowLength;

    public ActivationNode(ActivationFunction function, Node x) : base(x.Graph, x.Value.ShapeArray(), x)
    {
        _function = function;
        _rowLength = x.Shape.Length == 0 ? 1 : x.Shape[^1];
    }

    internal override void Forward() =>
        ActivationKernels.Forward(_function, Inputs[0].Value.Data, Value.Data, _rowLength);

    internal override void Backward()
    {
        var dx = Inputs[0].Gradient!.Data;
        // Computed in place into a scratch copy of dy, then added, since dx may already hold gradient.
        var scratch = Scratch;
        ActivationKernels.Backward(_function, Inputs[0].Value.Data, Value.Data, Gradient!.Data, scratch, _rowLength);
        RowKernels.Add(dx, scratch, dx);
    }

    private float[]? _scratch;

    private float[] Scratch => _scratch ??= new float[Value.Size];
}
