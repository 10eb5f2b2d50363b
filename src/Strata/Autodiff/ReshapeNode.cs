using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>The same values under another shape; the value buffer is shared, so forward costs nothing.</summary>
internal sealed class ReshapeNode : Node
{
    public ReshapeNode(Node x, int[] shape) : base(x.Graph, Reshaped(x, shape), x) { }

    private static Tensor Reshaped(Node x, int[] shape)
    {
        if (ShapeOps.Size(shape) != x.Value.Size)
            throw new StrataException($"Cannot reshape {ShapeOps.Format(x.Shape)} to {ShapeOps.Format(shape)}.");
        return x.Value.Reshape(shape);
    }

    internal override void Forward() { }

    internal override void Backward()
    {
        var dx = Inputs[0].Gradient!.Data;
        RowKernels.Add(dx, Gradient!.Data, dx);
    }
}
