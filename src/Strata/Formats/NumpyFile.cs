using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Strata.Tensors;

namespace Strata.Formats;

/// <summary>
/// NumPy's array files, the way Keras users hand arrays around: <c>.npy</c> (one array: a magic string,
/// a version, a header dict, then the values; versions 1.0, 2.0 and 3.0) and <c>.npz</c> (a zip of
/// <c>.npy</c> files, stored or deflated, as <c>np.savez</c> and <c>np.savez_compressed</c> write it,
/// each array named by its entry without ".npy"). Floating-point (16, 32, 64 bit), signed and unsigned
/// integer and boolean arrays of any rank and either byte order are read as float32 tensors in C
/// (row-major) order; Fortran-ordered arrays are transposed. Sizes are checked against the data before
/// anything large is allocated, and a damaged file is a <see cref="StrataException"/> naming it.
/// Arrays are written as little-endian float32, as <c>np.save</c> writes a float32 array.
/// </summary>
public static class NumpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private const int ChunkBytes = 1 << 20;

    /// <summary>
    /// Whether <paramref name="path"/> starts as an <c>.npy</c> file or a zip (an <c>.npz</c>), decided by
    /// its first bytes rather than its name; false for a file that does not exist.
    /// </summary>
    public static bool IsNumpy(string path)
    {
        if (!File.Exists(path)) return false;
        Span<byte> start = stackalloc byte[6];
        using var file = File.OpenRead(path);
        int read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        return start[..read].SequenceEqual(Magic) || IsZip(start[..read]);
    }

    private static bool IsZip(ReadOnlySpan<byte> start) =>
        start.Length >= 4 && start[0] == 'P' && start[1] == 'K' && (start[2], start[3]) is (3, 4) or (5, 6);

    /// <summary>Reads the array of an <c>.npy</c> file.</summary>
    public static Tensor Read(string path)
    {
        InputFile.Require(path, "NumPy file");
        using var file = File.OpenRead(path);
        return ReadArray(file, path, file.Length);
    }

    /// <summary>
    /// The arrays of an <c>.npy</c> or <c>.npz</c> file (told apart by their first bytes) in the order they
    /// are stored, each with its name: an <c>.npz</c> entry's name without ".npy", an <c>.npy</c> file's name
    /// without its extension. Entries of an <c>.npz</c> that are not <c>.npy</c> files are skipped.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> ReadArrays(string path)
    {
        InputFile.Require(path, "NumPy file");
        using var file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[4];
        int read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        file.Position = 0;
        if (!IsZip(start[..read])) return [new(Path.GetFileNameWithoutExtension(path), ReadArray(file, path, file.Length))];
        try
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Read);
            var arrays = new List<KeyValuePair<string, Tensor>>();
            foreach (var entry in zip.Entries)
            {
                string name = entry.FullName;
                // The names are only looked up, never written to disk, but a name that climbs out is a hostile file.
                if (name.Length == 0 || ModelFile.IsTraversal(name))
                    throw new StrataException($"{path}: the .npz entry '{name}' has a name that leads outside the archive.");
                if (!name.EndsWith(".npy", StringComparison.Ordinal)) continue;
                string key = name[..^4];
                if (arrays.Any(a => a.Key == key)) throw new StrataException($"{path}: the .npz holds two arrays named '{key}'.");
                string where = $"{path} ('{name}')";
                if (ModelFile.IsImplausibleSize(entry))
                    throw new StrataException($"{where}: the entry declares an implausible size ({entry.Length} bytes from {entry.CompressedLength}).");
                using var stream = entry.Open();
                arrays.Add(new(key, ReadArray(stream, where, entry.Length)));
            }
            if (arrays.Count == 0) throw new StrataException($"{path}: the .npz archive holds no .npy arrays.");
            return arrays;
        }
        catch (InvalidDataException e)
        {
            throw new StrataException($"{path}: not a valid .npz archive ({e.Message}).", e);
        }
    }

    private const int MaxHeaderBytes = 1 << 16;

    /// <summary>
    /// Reads one array from <paramref name="stream"/>, which holds <paramref name="length"/> bytes from its
    /// current position; <paramref name="name"/> names it in errors.
    /// </summary>
    private static Tensor ReadArray(Stream stream, string name, long length)
    {
        Span<byte> prefix = stackalloc byte[12];
        if (Fill(stream, prefix[..8]) < 8) throw new StrataException($"{name}: too short for a .npy file.");
        if (!prefix[..6].SequenceEqual(Magic)) throw new StrataException($"{name}: not a .npy file (it does not start with \\x93NUMPY).");
        int major = prefix[6];
        if (major is < 1 or > 3) throw new StrataException($"{name}: .npy version {major}.{prefix[7]} is not supported (1.0, 2.0 and 3.0 are).");
        // Version 1 gives the header length in 2 bytes, versions 2 and 3 in 4; version 3 allows UTF-8 in the header.
        int sizeBytes = major == 1 ? 2 : 4;
        if (Fill(stream, prefix.Slice(8, sizeBytes)) < sizeBytes) throw new StrataException($"{name}: the .npy file ends inside its header length.");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        // NumPy's own headers are a few hundred bytes (it refuses over 10,000 by default); a huge one is damage or hostility.
        if (headerLength > MaxHeaderBytes) throw new StrataException($"{name}: the .npy header declares {headerLength} bytes; NumPy headers are a few hundred.");
        long dataStart = 8 + sizeBytes + headerLength;
        if (dataStart > length) throw new StrataException($"{name}: the .npy header declares {headerLength} bytes, more than the file holds.");
        var headerBytes = new byte[headerLength];
        if (Fill(stream, headerBytes) < headerLength) throw new StrataException($"{name}: the .npy file is truncated inside its header.");
        string text;
        try
        {
            text = (major == 3 ? new UTF8Encoding(false, true) : Encoding.Latin1).GetString(headerBytes);
        }
        catch (DecoderFallbackException)
        {
            throw new StrataException($"{name}: the .npy header is not valid UTF-8.");
        }
        var header = NpyHeader.Parse(text, name);
        var type = NpyDType.Of(header.Descr, name);
        long count = header.Count;
        long dataBytes = count * type.Size;
        if (dataBytes > length - dataStart)
            throw new StrataException($"{name}: truncated: the shape {ShapeOps.Format([.. header.Shape])} of {header.Descr} needs {dataBytes} bytes of data, but the file has {length - dataStart}.");
        if (count > Array.MaxLength) throw new StrataException($"{name}: the shape {ShapeOps.Format([.. header.Shape])} holds {count} values, more than one array can.");
        var values = new float[count];
        var chunk = new byte[(int)Math.Min(ChunkBytes, Math.Max(dataBytes, 1))];
        long done = 0;
        while (done < count)
        {
            int items = (int)Math.Min(count - done, chunk.Length / type.Size);
            int bytes = items * type.Size;
            if (Fill(stream, chunk.AsSpan(0, bytes)) < bytes)
                throw new StrataException($"{name}: truncated: the data ends before the {count} values its header declares.");
            type.Convert(chunk.AsSpan(0, bytes), values.AsSpan((int)done, items));
            done += items;
        }
        if (stream.ReadByte() >= 0) throw new StrataException($"{name}: the file continues past the {count} values its header declares.");
        int[] shape = [.. header.Shape];
        return new Tensor(shape, header.FortranOrder && shape.Length > 1 ? ToRowMajor(values, shape) : values);
    }

    /// <summary>Values stored with the first axis varying fastest, rearranged so the last axis does.</summary>
    private static float[] ToRowMajor(float[] columnMajor, int[] shape)
    {
        var result = new float[columnMajor.Length];
        int rank = shape.Length;
        var strides = new long[rank];
        strides[rank - 1] = 1;
        for (int d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
        // Walk the stored order (an odometer whose first digit turns fastest), placing each value at its C offset.
        var index = new int[rank];
        long offset = 0;
        for (int f = 0; f < columnMajor.Length; f++)
        {
            result[offset] = columnMajor[f];
            for (int d = 0; d < rank; d++)
            {
                offset += strides[d];
                if (++index[d] < shape[d]) break;
                offset -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
        return result;
    }

    /// <summary>Writes <paramref name="tensor"/> as a little-endian float32 <c>.npy</c> file, atomically.</summary>
    public static void Write(string path, Tensor tensor) => AtomicFile.Write(path, stream => WriteArray(stream, tensor));

    /// <summary>
    /// Writes the named arrays as an <c>.npz</c> file (entries "name.npy", stored, as <c>np.savez</c> writes
    /// them), atomically; <c>np.load(path)[name]</c> gives each back.
    /// </summary>
    public static void WriteArchive(string path, IEnumerable<KeyValuePair<string, Tensor>> arrays)
    {
        var list = arrays.ToList();
        if (list.Count == 0) throw new ArgumentException("An .npz file needs at least one array.", nameof(arrays));
        foreach (var group in list.GroupBy(a => a.Key))
        {
            if (group.Count() > 1) throw new ArgumentException($"Two arrays are named '{group.Key}'.", nameof(arrays));
            // The rule the reader applies, so every archive written here reads back.
            if (group.Key.Length == 0 || ModelFile.IsTraversal(group.Key))
                throw new ArgumentException($"'{group.Key}' cannot name an array in an .npz file.", nameof(arrays));
        }
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (key, tensor) in list) ModelFile.Write(zip, key + ".npy", s => WriteArray(s, tensor), CompressionLevel.NoCompression);
        });
    }

    private static void WriteArray(Stream stream, Tensor tensor)
    {
        var header = NpyHeader.Format("<f4", tensor.Shape, 10);
        // Version 2.0 only when the header outgrows version 1.0's two-byte length, as NumPy does.
        bool wide = header.Length > ushort.MaxValue;
        if (wide) header = NpyHeader.Format("<f4", tensor.Shape, 12);
        stream.Write(Magic);
        stream.Write(wide ? [2, 0] : [1, 0]);
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)header.Length);
        stream.Write(size[..(wide ? 4 : 2)]);
        stream.Write(header);
        var chunk = new byte[Math.Min(ChunkBytes, tensor.Size * 4)];
        for (int start = 0; start < tensor.Size; start += chunk.Length / 4)
        {
            int items = Math.Min(chunk.Length / 4, tensor.Size - start);
            for (int i = 0; i < items; i++) BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(i * 4), tensor.Data[start + i]);
            stream.Write(chunk, 0, items * 4);
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; the number of bytes read.</summary>
    private static int Fill(Stream stream, Span<byte> buffer) => stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
}
