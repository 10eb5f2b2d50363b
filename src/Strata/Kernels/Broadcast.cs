namespace Strata.Kernels;

/// <summary>Maps each element of a broadcast result to the element of an operand it reads.</summary>
internal static class Broadcast
{
    /// <summary>
    /// Offsets into an operand of shape <paramref name="shape"/> for every element of
    /// <paramref name="outShape"/> in row-major order, or null when the shapes are equal.
    /// </summary>
    public static int[]? OffsetMap(ReadOnlySpan<int> shape, ReadOnlySpan<int> outShape)
    {
        if (shape.SequenceEqual(outShape)) return null;
        int rank = outShape.Length;
        Span<int> strides = stackalloc int[rank];
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int srcAxis = i - (rank - shape.Length);
            int dim = srcAxis >= 0 ? shape[srcAxis] : 1;
            strides[i] = dim == 1 ? 0 : stride;
            stride *= dim;
        }
        int size = Tensors.ShapeOps.Size(outShape);
        var map = new int[size];
        Span<int> index = stackalloc int[rank];
        int offset = 0;
        for (int n = 0; n < size; n++)
        {
            map[n] = offset;
            for (int axis = rank - 1; axis >= 0; axis--)
            {
                index[axis]++;
                offset += strides[axis];
                if (index[axis] < outShape[axis]) break;
                offset -= strides[axis] * index[axis];
                index[axis] = 0;
            }
        }
        return map;
    }
}
