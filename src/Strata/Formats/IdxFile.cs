using System.IO.Compression;
using Strata.Tensors;

namespace Strata.Formats;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST (LeCun et al.): two zero bytes, a type byte (0x08 for
/// unsigned bytes, the only type these sets use), the number of dimensions, each size as a
/// big-endian 32-bit integer, then the values. Files may be gzip-compressed (detected by content).
/// Sizes are checked against the data before anything large is allocated.
/// </summary>
public static class IdxFile
{
    private const long MaxValues = 1L << 30;

    /// <summary>The sizes and the raw unsigned-byte values of an IDX file.</summary>
    public static (int[] Shape, byte[] Values) Read(string path)
    {
        InputFile.Require(path, "IDX file");
        using var file = File.OpenRead(path);
        Stream stream = file;
        if (file.Length >= 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b)
        {
            file.Position = 0;
            stream = new GZipStream(file, CompressionMode.Decompress);
        }
        else
        {
            file.Position = 0;
        }
        try
        {
            using (stream == file ? null : stream)
                return Read(stream, path, stream == file ? file.Length : null);
        }
        catch (InvalidDataException e)
        {
            throw new StrataException($"{path}: the gzip data is corrupt ({e.Message}).", e);
        }
    }

    private static (int[] Shape, byte[] Values) Read(Stream stream, string path, long? length)
    {
        Span<byte> header = stackalloc byte[4];
        if (ReadFully(stream, header) < 4) throw new StrataException($"{path}: too short for an IDX header.");
        if (header[0] != 0 || header[1] != 0)
            throw new StrataException($"{path}: not an IDX file (magic number 0x{header[0]:x2}{header[1]:x2}{header[2]:x2}{header[3]:x2}; expected 0x0000 then type and rank).");
        if (header[2] != 0x08)
            throw new StrataException($"{path}: IDX value type 0x{header[2]:x2} is not supported; only unsigned bytes (0x08).");
        int rank = header[3];
        if (rank is < 1 or > 4) throw new StrataException($"{path}: IDX rank {rank} is not supported (1 to 4).");
        var shape = new int[rank];
        long count = 1;
        Span<byte> size = stackalloc byte[4];
        for (int d = 0; d < rank; d++)
        {
            if (ReadFully(stream, size) < 4) throw new StrataException($"{path}: the header ends inside the sizes.");
            uint v = (uint)(size[0] << 24 | size[1] << 16 | size[2] << 8 | size[3]);
            if (v > int.MaxValue) throw new StrataException($"{path}: dimension {d} has an implausible size {v}.");
            shape[d] = (int)v;
            count *= v;
        }
        long headerBytes = 4 + 4L * rank;
        if (count > MaxValues || (length is long l && count > l - headerBytes))
            throw new StrataException($"{path}: the header declares {count} values ({string.Join(" × ", shape)}) but the file holds {(length is long m ? (m - headerBytes).ToString() : "fewer")}; it is truncated or corrupt.");
        var values = new byte[count];
        int read = ReadFully(stream, values);
        if (read < count)
            throw new StrataException($"{path}: truncated: the header declares {count} values ({string.Join(" × ", shape)}) but only {read} follow.");
        if (length is null && stream.ReadByte() >= 0)
            throw new StrataException($"{path}: data continues past the {count} values the header declares.");
        if (length is long total && total != headerBytes + count)
            throw new StrataException($"{path}: data continues past the {count} values the header declares.");
        return (shape, values);
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Images [N, rows, cols] as a [N, rows, cols, 1] tensor scaled to [0, 1].</summary>
    public static Tensor ReadImages(string path, int? limit = null)
    {
        var (shape, values) = Read(path);
        if (shape.Length != 3) throw new StrataException($"{path}: expected images [count, rows, columns]; the file has rank {shape.Length}.");
        int n = Math.Min(shape[0], limit ?? int.MaxValue);
        var t = new Tensor(n, shape[1], shape[2], 1);
        for (int i = 0; i < t.Size; i++) t.Data[i] = values[i] * (1f / 255f);
        return t;
    }

    /// <summary>Labels [N] as a [N, 1] tensor of class indices.</summary>
    public static Tensor ReadLabels(string path, int? limit = null)
    {
        var (shape, values) = Read(path);
        if (shape.Length != 1) throw new StrataException($"{path}: expected labels [count]; the file has rank {shape.Length}.");
        int n = Math.Min(shape[0], limit ?? int.MaxValue);
        var t = new Tensor(n, 1);
        for (int i = 0; i < n; i++) t.Data[i] = values[i];
        return t;
    }
}
