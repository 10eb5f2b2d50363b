using System.Buffers.Binary;

namespace Strata.Formats;

/// <summary>
/// A plain NumPy data type as a <c>.npy</c> header's <c>descr</c> names it (<c>&lt;f4</c>, <c>&gt;i8</c>,
/// <c>|u1</c>, <c>|b1</c>): its kind, its size in bytes and its byte order, and how its values become float32.
/// </summary>
internal sealed class NpyDType
{
    private readonly char _kind;
    private readonly bool _bigEndian;

    private NpyDType(char kind, int size, bool bigEndian) => (_kind, Size, _bigEndian) = (kind, size, bigEndian);

    /// <summary>Bytes per value.</summary>
    public int Size { get; }

    /// <summary>The type <paramref name="descr"/> names; an error naming <paramref name="name"/> for any other.</summary>
    public static NpyDType Of(string descr, string name)
    {
        var unsupported = new StrataException($"{name}: the .npy data type '{descr}' is not supported; float16/32/64, int8-64, uint8-64 and bool arrays are.");
        if (descr.Length != 3 || descr[0] is not ('<' or '>' or '|' or '=')) throw unsupported;
        char kind = descr[1];
        int size = descr[2] - '0';
        bool supported = kind switch
        {
            'f' => size is 2 or 4 or 8,
            'i' or 'u' => size is 1 or 2 or 4 or 8,
            'b' => size == 1,
            _ => false,
        };
        if (!supported) throw unsupported;
        // '=' is the writer's native order; NumPy writes '<' or '>' instead, so '=' only comes from hand-made files.
        bool bigEndian = descr[0] == '>' || (descr[0] == '=' && !BitConverter.IsLittleEndian);
        return new NpyDType(kind, size, bigEndian);
    }

    /// <summary>Converts the values in <paramref name="bytes"/> (exactly <c>values.Length * Size</c> of them).</summary>
    public void Convert(ReadOnlySpan<byte> bytes, Span<float> values)
    {
        // The common case, float32 in the machine's own order, is a plain copy.
        if (_kind == 'f' && Size == 4 && _bigEndian != BitConverter.IsLittleEndian)
        {
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).CopyTo(values);
            return;
        }
        // The type is chosen once per chunk, not per value.
        var read = Reader();
        for (int i = 0; i < values.Length; i++) values[i] = read(bytes.Slice(i * Size, Size));
    }

    private delegate float ValueReader(ReadOnlySpan<byte> b);

    private ValueReader Reader() => (_kind, Size, _bigEndian) switch
    {
        ('f', 2, false) => b => (float)BinaryPrimitives.ReadHalfLittleEndian(b),
        ('f', 2, true) => b => (float)BinaryPrimitives.ReadHalfBigEndian(b),
        ('f', 4, false) => BinaryPrimitives.ReadSingleLittleEndian,
        ('f', 4, true) => BinaryPrimitives.ReadSingleBigEndian,
        ('f', 8, false) => b => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
        ('f', 8, true) => b => (float)BinaryPrimitives.ReadDoubleBigEndian(b),
        ('i', 1, _) => b => (sbyte)b[0],
        ('i', 2, false) => b => BinaryPrimitives.ReadInt16LittleEndian(b),
        ('i', 2, true) => b => BinaryPrimitives.ReadInt16BigEndian(b),
        ('i', 4, false) => b => BinaryPrimitives.ReadInt32LittleEndian(b),
        ('i', 4, true) => b => BinaryPrimitives.ReadInt32BigEndian(b),
        ('i', 8, false) => b => BinaryPrimitives.ReadInt64LittleEndian(b),
        ('i', 8, true) => b => BinaryPrimitives.ReadInt64BigEndian(b),
        ('u', 1, _) => b => b[0],
        ('u', 2, false) => b => BinaryPrimitives.ReadUInt16LittleEndian(b),
        ('u', 2, true) => b => BinaryPrimitives.ReadUInt16BigEndian(b),
        ('u', 4, false) => b => BinaryPrimitives.ReadUInt32LittleEndian(b),
        ('u', 4, true) => b => BinaryPrimitives.ReadUInt32BigEndian(b),
        ('u', 8, false) => b => BinaryPrimitives.ReadUInt64LittleEndian(b),
        ('u', 8, true) => b => BinaryPrimitives.ReadUInt64BigEndian(b),
        // NumPy's bool is one byte; any non-zero byte reads as true, as NumPy treats it.
        _ => b => b[0] != 0 ? 1f : 0f,
    };
}
