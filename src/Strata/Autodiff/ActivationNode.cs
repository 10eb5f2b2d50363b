using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// y = f(x) for an <see cref="ActivationFunction"/>; softmax runs over the last axis. With
/// arguments other than the function's defaults (a relu's max_value, softmax over another axis)
/// the kernels for those arguments run instead.
/// </summary>
internal sealed class ActivationNode : Node
{
    private readonly ActivationArguments _arguments;
    private readonly bool _default;
    private readonly int _rowLength;
    private float[]? _scratch;

    public ActivationNode(ActivationFunction function, Node x) : this(new ActivationArguments(function), x) { }

    public ActivationNode(ActivationArguments arguments, Node x) : base(x.Graph, x.Value.ShapeArray(), x)
    {
        _arguments = arguments;
        _default = arguments.IsDefault;
        _rowLength = x.Shape.Length == 0 ? 1 : x.Shape[^1];
    }

    internal override void Forward()
    {
        if (_default) ActivationKernels.Forward(_arguments.Function, Inputs[0].Value.Data, Value.Data, _rowLength);
        else ActivationKernels.Forward(_arguments, Inputs[0].Value.Data, Value.Data, Value.Shape);
    }

    // The default functions' gradient kernels run element by element (softmax row by row, its dot first).
    internal override bool BackwardInPlace(int input) => _default;

    internal override void Backward()
    {
        var dx = Inputs[0].Gradient!.Data;
        if (ReferenceEquals(dx, Gradient!.Data))
        {
            ActivationKernels.Backward(_arguments.Function, Inputs[0].Value.Data, Value.Data, dx, dx, _rowLength);
            return;
        }
        // dx may already hold gradient from another consumer, so f'·dy goes to a scratch buffer and is added.
        var scratch = _scratch ??= new float[Value.Size];
        if (_default) ActivationKernels.Backward(_arguments.Function, Inputs[0].Value.Data, Value.Data, Gradient!.Data, scratch, _rowLength);
        else ActivationKernels.Backward(_arguments, Inputs[0].Value.Data, Value.Data, Gradient!.Data, scratch, Value.Shape);
        RowKernels.Add(dx, scratch, dx);
    }
}
