using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>C = A·B for A [m, k] and B [k, n]; dA = dC·Bᵀ, dB = Aᵀ·dC.</summary>
internal sealed class MatMulNode : Node
{
    private readonly int _m, _k, _n;

    public MatMulNode(Node a, Node b) : base(a.Graph, OutputShape(a, b), a, b)
    {
        _m = a.Shape[0];
        _k = a.Shape[1];
        _n = b.Shape[1];
    }

    private static int[] OutputShape(Node a, Node b)
    {
        if (a.Shape.Length != 2 || b.Shape.Length != 2 || a.Shape[1] != b.Shape[0])
            throw new StrataException($"MatMul needs [m, k] and [k, n] operands; got {ShapeOps.Format(a.Shape)} and {ShapeOps.Format(b.Shape)}.");
        return [a.Shape[0], b.Shape[1]];
    }

    internal override void Forward() =>
        Gemm.Multiply(Inputs[0].Value.Data, _k, false, Inputs[1].Value.Data, _n, false, Value.Data, _n, _m, _n, _k, false);

    internal override void Backward()
    {
        Node a = Inputs[0], b = Inputs[1];
        if (Flows(a))
            Gemm.Multiply(Gradient!.Data, _n, false, b.Value.Data, _n, true, a.Gradient!.Data, _k, _m, _k, _n, true);
        if (Flows(b))
            Gemm.Multiply(a.Value.Data, _k, true, Gradient!.Data, _n, false, b.Gradient!.Data, _n, _k, _n, _m, true);
    }
}
