namespace Strata.Tensors;

/// <summary>Shape arithmetic shared by tensors, ops and layers.</summary>
public static class ShapeOps
{
    /// <summary>The number of elements of <paramref name="shape"/> (1 for a scalar); throws beyond int.MaxValue.</summary>
    public static int Size(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (int d in shape)
        {
            size *= d;
            if (size > int.MaxValue)
                throw new StrataException($"Shape {Format(shape)} has more than {int.MaxValue} elements.");
        }
        return (int)size;
    }

    /// <summary>Throws when a dimension of <paramref name="shape"/> is negative.</summary>
    public static void Validate(ReadOnlySpan<int> shape)
    {
        foreach (int d in shape)
            if (d < 0)
                throw new StrataException($"Shape {Format(shape)} has a negative dimension.");
    }

    /// <summary>
    /// <paramref name="axis"/> counted from 0, a negative one from the end as in numpy; throws when it is out of
    /// range for <paramref name="rank"/>.
    /// </summary>
    public static int NormalizeAxis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new StrataException($"Axis {axis} is out of range for rank {rank}.");
        return a;
    }

    /// <summary>The numpy broadcast of two shapes, or an error naming both.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new StrataException($"Shapes {Format(a)} and {Format(b)} cannot be broadcast together.");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Formats a shape the way Keras prints it, with null for an unknown (batch) dimension.</summary>
    public static string Format(ReadOnlySpan<int> shape)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++)
            parts[i] = shape[i] < 0 ? "None" : shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return shape.Length == 1 ? $"({parts[0]},)" : $"({string.Join(", ", parts)})";
    }
}
