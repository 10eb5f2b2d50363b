using Strata.Distributed;
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
    private double[]? _maxima;

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
        var dz = PreActivationGradient(_function, _z, ref _dz, _out);
        Node x = Inputs[0], kernel = Inputs[1];
        var kernelSums = (kernel as ParameterNode)?.FixedPointGradient;
        var biasSums = (Bias as ParameterNode)?.FixedPointGradient;
        if (kernelSums is not null || biasSums is not null) AddFixedPointSums(x.Value.Data, dz, kernelSums, biasSums);
        if (kernelSums is null && Flows(kernel))
            Gemm.Multiply(x.Value.Data, _in, true, dz, _out, false, kernel.Gradient!.Data, _out, _in, _out, _rows, true);
        if (biasSums is null && Bias is { } bias && Flows(bias))
            RowKernels.ColumnSums(dz, _rows, _out, bias.Gradient!.Data, true);
        if (Flows(x))
            Gemm.Multiply(dz, _out, false, kernel.Value.Data, _out, true, x.Gradient!.Data, _in, _rows, _in, _out, true);
    }

    internal override (int Rows, int Columns)? FixedPointLayout(int input) => input switch { 1 => (_in, _out), 2 => (1, _out), _ => null };

    // dW = xᵀ·dz and db = Σ dz in fixed point: the bound of a term of dW[i, j] is max|x[·, i]|·max|dz[·, j]| over the whole batch.
    private void AddFixedPointSums(float[] x, float[] dz, FixedPointGradient? kernelSums, FixedPointGradient? biasSums)
    {
        var maxima = _maxima ??= new double[_in + _out];
        Array.Clear(maxima);
        FixedPointSums.ColumnMaxima(x, _in, _rows, _in, maxima.AsSpan(0, _in));
        FixedPointSums.ColumnMaxima(dz, _out, _rows, _out, maxima.AsSpan(_in));
        Graph.Communicator.AllReduceMax(maxima);
        int bits = FixedPointSums.Bits(Graph.TermsOverBatch(_rows, Inputs[0].Shape[0]));
        if (kernelSums is not null)
        {
            for (int i = 0; i < _in; i++) kernelSums.RowScale[i] = FixedPointSums.Scale(bits, FixedPointSums.Exponent(maxima[i]));
            for (int j = 0; j < _out; j++) kernelSums.ColumnScale[j] = FixedPointSums.Scale(0, FixedPointSums.Exponent(maxima[_in + j]));
            FixedPointSums.AddTransposedProduct(x, _in, dz, _out, kernelSums.Sums, _rows, _in, _out, kernelSums.RowScale, kernelSums.ColumnScale);
        }
        if (biasSums is not null)
        {
            for (int j = 0; j < _out; j++) biasSums.ColumnScale[j] = FixedPointSums.Scale(bits, FixedPointSums.Exponent(maxima[_in + j]));
            FixedPointSums.AddColumnSums(dz, _out, biasSums.Sums, _rows, _out, biasSums.ColumnScale);
        }
    }
}
