using System.Globalization;
using System.Text;

namespace Strata.Tensors;

/// <summary>
/// A dense float32 n-dimensional array, row-major (the last axis varies fastest), channels-last
/// like Keras. The data buffer is exposed so kernels can work on spans without copying.
/// </summary>
public sealed class Tensor
{
    private readonly int[] _shape;

    /// <summary>A tensor of zeros with the given shape; <c>new Tensor(2, 3)</c> is a 2×3 matrix.</summary>
    public Tensor(params int[] shape) : this(shape, new float[ShapeOps.Size(shape)]) { }

    /// <summary>A tensor over <paramref name="data"/> (not copied), whose length must be the size of <paramref name="shape"/>.</summary>
    public Tensor(int[] shape, float[] data)
    {
        ShapeOps.Validate(shape);
        if (data.Length != ShapeOps.Size(shape))
            throw new StrataException($"Tensor data has {data.Length} values but shape {ShapeOps.Format(shape)} needs {ShapeOps.Size(shape)}.");
        _shape = (int[])shape.Clone();
        Data = data;
    }

    /// <summary>The values in row-major order; its length is always <see cref="Size"/>.</summary>
    public float[] Data { get; }

    /// <summary>The size of each axis, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of axes (0 for a scalar).</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements, the product of the shape.</summary>
    public int Size => Data.Length;

    /// <summary><see cref="Data"/> as a span.</summary>
    public Span<float> Span => Data;

    /// <summary>The size of axis <paramref name="axis"/>; negative axes count from the end, as in numpy.</summary>
    public int Dim(int axis) => _shape[ShapeOps.NormalizeAxis(axis, _shape.Length)];

    /// <summary>A copy of the shape as an array.</summary>
    public int[] ShapeArray() => (int[])_shape.Clone();

    /// <summary>The element at <paramref name="index"/>, one index per axis; throws when out of range.</summary>
    public float this[params int[] index]
    {
        get => Data[Offset(index)];
        set => Data[Offset(index)] = value;
    }

    /// <summary>A tensor of zeros with the given shape.</summary>
    public static Tensor Zeros(params int[] shape) => new(shape);

    /// <summary>A tensor of the given shape with every element <paramref name="value"/>.</summary>
    public static Tensor Filled(float value, params int[] shape)
    {
        var t = new Tensor(shape);
        Array.Fill(t.Data, value);
        return t;
    }

    /// <summary>A tensor of the same values with another shape of the same size; the data is shared.</summary>
    public Tensor Reshape(params int[] shape) => new(shape, Data);

    /// <summary>A deep copy: the same shape and a new copy of the values.</summary>
    public Tensor Clone() => new(_shape, (float[])Data.Clone());

    /// <summary>Copies the values of <paramref name="source"/> into this tensor; the sizes must match, the shapes need not.</summary>
    public void CopyFrom(Tensor source)
    {
        if (source.Size != Size)
            throw new StrataException($"Cannot copy a tensor of shape {ShapeOps.Format(source.Shape)} into one of shape {ShapeOps.Format(Shape)}.");
        source.Data.AsSpan().CopyTo(Data);
    }

    /// <summary>Rows [start, start + count) of the first axis, copied into a new tensor.</summary>
    public Tensor SliceRows(int start, int count)
    {
        int rowSize = Size / _shape[0];
        var shape = ShapeArray();
        shape[0] = count;
        var result = new Tensor(shape);
        Data.AsSpan(start * rowSize, count * rowSize).CopyTo(result.Data);
        return result;
    }

    /// <summary>The rows named by <paramref name="rows"/>, in that order, copied into <paramref name="destination"/>.</summary>
    public void GatherRows(ReadOnlySpan<int> rows, Tensor destination)
    {
        int rowSize = Size / _shape[0];
        for (int i = 0; i < rows.Length; i++)
            Data.AsSpan(rows[i] * rowSize, rowSize).CopyTo(destination.Data.AsSpan(i * rowSize, rowSize));
    }

    /// <summary>
    /// The rows named by <paramref name="rows"/>, in that order, copied into a new tensor (the first axis
    /// indexed, as in numpy's x[rows]).
    /// </summary>
    public Tensor GatherRows(ReadOnlySpan<int> rows)
    {
        var shape = ShapeArray();
        shape[0] = rows.Length;
        var result = new Tensor(shape);
        GatherRows(rows, result);
        return result;
    }

    private int Offset(int[] index)
    {
        if (index.Length != _shape.Length)
            throw new StrataException($"Index of rank {index.Length} for a tensor of rank {_shape.Length}.");
        int offset = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)_shape[i])
                throw new StrataException($"Index {index[i]} is out of range for axis {i} of size {_shape[i]}.");
            offset = offset * _shape[i] + index[i];
        }
        return offset;
    }

    /// <summary>The shape and up to the first eight values, for debugging.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("Tensor").Append(ShapeOps.Format(Shape)).Append(" [");
        int n = Math.Min(Size, 8);
        for (int i = 0; i < n; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Data[i].ToString("G6", CultureInfo.InvariantCulture));
        }
        if (Size > n) sb.Append(", ...");
        return sb.Append(']').ToString();
    }
}
