using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>y = f(x) for an <see cref="ActivationFunction"/>; softmax runs over the last axis.</summary>
internal sealed class ActivationNode : Node
{
    private readonly ActivationFunction _function;
    private readonly int _rowLength;
    private float[]? _scratch;

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
        // dx may already hold gradient from another consumer, so f'·dy goes to a scratch buffer and is added.
        var scratch = _scratch ??= new float[Value.Size];
        ActivationKernels.Backward(_function, Inputs[0].Value.Data, Value.Data, Gradient!.Data, scratch, _rowLength);
        RowKernels.Add(dx, scratch, dx);
    }
}
