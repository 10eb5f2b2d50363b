using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// Fused y = f(x·W + b) over the last axis of x. Forward is one matrix product and one pass for
/// bias and activation; backward forms dz = dy·f′ once and feeds the three products from it:
/// dW = xᵀ·dz, db = Σ dz, dx = dz·Wᵀ. Only y is kept (and z for GELU).
/// </summary>
internal sealed class DenseNode : Node
{
    private readonly ActivationFunction _function;
    private readonly int _rows, _in, _out;
    private readonly float[]? _z;
    private float[]? _dz;

    public DenseNode(Node x, Node kernel, Node? bias, ActivationFunction function)
        : base(x.Graph, OutputShape(x, kernel), bias is null ? [x, kernel] : [x, kernel, bias])
    {
        _function = function;
        _in = kernel.Shape[0];
        _out = kernel.Shape[1];
        _rows = x.Value.Size / _in;
        if (ActivationKernels.NeedsPreActivation(function)) _z = new float[Value.Size];
    }

    private static int[] OutputShape(Node x, Node kernel)
    {
        if (kernel.Shape.Length != 2 || x.Shape.Length == 0 || x.Shape[^1] != kernel.Shape[0])
            throw new StrataException($"Dense expects input with last axis {kernel.Shape[0]}; got {ShapeOps.Format(x.Shape)}.");
        var shape = x.Value.ShapeArray();
        shape[^1] = kernel.Shape[1];
        return shape;
    }

    private Node? Bias => Inputs.Count > 2 ? Inputs[2] : null;

    internal override void Forward()
    {
        var y = Value.Data;
        var z = _z ?? y;
        Gemm.Multiply(Inputs[0].Value.Data, _in, false, Inputs[1].Value.Data, _out, false, z, _out, _rows, _out, _in, false);
        var bias = Bias?.Value.Data;
        if (_z is null)
        {
            RowKernels.BiasActivation(z, bias, y, _rows, _out, _function);
        }
        else
        {
            if (bias is not null) RowKernels.BiasActivation(z, bias, z, _rows, _out, ActivationFunction.Linear);
            ActivationKernels.Forward(_function, z, y, _out);
        }
    }

    internal override void Backward()
    {
        float[] dz;
        if (_function == ActivationFunction.Linear)
        {
            dz = Gradient!.Data;
        }
        else
        {
            dz = _dz ??= new float[Value.Size];
            ActivationKernels.Backward(_function, _z, Value.Data, Gradient!.Data, dz, _out);
        }
        Node x = Inputs[0], kernel = Inputs[1];
        if (kernel is ParameterNode { DoubleGradient: { } kernelSums })
            DoubleSums.AddTransposedProduct(x.Value.Data, _in, dz, _out, kernelSums, _rows, _in, _out);
        else if (Flows(kernel))
            Gemm.Multiply(x.Value.Data, _in, true, dz, _out, false, kernel.Gradient!.Data, _out, _in, _out, _rows, true);
        if (Bias is ParameterNode { DoubleGradient: { } biasSums })
            DoubleSums.AddColumnSums(dz, _out, biasSums, _rows, _out);
        else if (Bias is { } bias && Flows(bias))
            RowKernels.ColumnSums(dz, _rows, _out, bias.Gradient!.Data, true);
        if (Flows(x))
            Gemm.Multiply(dz, _out, false, kernel.Value.Data, _out, true, x.Gradient!.Data, _in, _rows, _in, _out, true);
    }
}
