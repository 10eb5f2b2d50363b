using System.Text;
using System.Text.RegularExpressions;

namespace Strata.Tests.Formats.Keras;

/// <summary>Reads the little-endian, C-order .npy arrays (float32/64, int64) that the real-file checks use.</summary>
internal static partial class Npy
{
    public static (int[] Shape, double[] Data) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int headerLength = bytes[6] == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int offset = bytes[6] == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, offset, headerLength);
        string descr = Descr().Match(header).Groups[1].Value;
        bool fortran = header.Contains("'fortran_order': True", StringComparison.Ordinal);
        int[] shape = ShapeText().Match(header).Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse).ToArray();
        int count = shape.Aggregate(1, (a, b) => a * b);
        var data = new double[count];
        var body = bytes.AsSpan(offset + headerLength);
        for (int i = 0; i < count; i++)
        {
            int k = fortran ? FortranIndex(i, shape) : i;
            data[i] = descr switch
            {
                "<f8" => BitConverter.ToDouble(body[(k * 8)..]),
                "<f4" => BitConverter.ToSingle(body[(k * 4)..]),
                "<i8" => BitConverter.ToInt64(body[(k * 8)..]),
                _ => throw new NotSupportedException(descr),
            };
        }
        return (shape, data);
    }

    /// <summary>Where the element at row-major position <paramref name="index"/> sits in column-major storage.</summary>
    private static int FortranIndex(int index, int[] shape)
    {
        int offset = 0, stride = 1;
        var position = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { position[d] = index % shape[d]; index /= shape[d]; }
        for (int d = 0; d < shape.Length; d++) { offset += position[d] * stride; stride *= shape[d]; }
        return offset;
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapeText();
}
