using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Tensors;

namespace Strata.Formats;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each name
/// to {dtype, shape, data_offsets}, then the raw little-endian data. Strata writes F32 only and
/// validates everything it reads before allocating for it.
/// </summary>
public static class SafeTensors
{
    /// <summary>Header lengths beyond this are refused as corrupt (the format's own limit is 100 MB).</summary>
    private const long MaxHeaderLength = 100_000_000;

    /// <summary>
    /// The safetensors bytes of <paramref name="tensors"/> (F32, stored under their names in this order) with the
    /// optional string <paramref name="metadata"/> under "__metadata__".
    /// </summary>
    public static byte[] Serialize(IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = Header(tensors, metadata, out long dataBytes);
        var result = new MemoryStream(checked((int)(header.Length + dataBytes)));
        result.Write(header);
        WriteData(result, tensors);
        return result.GetBuffer();
    }

    /// <summary>
    /// Writes the file to <paramref name="stream"/> straight from the tensors' data, with no copy of
    /// it in between (checkpoints of large models are written every epoch).
    /// </summary>
    public static void Write(Stream stream, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        stream.Write(Header(tensors, metadata, out _));
        WriteData(stream, tensors);
    }

    /// <summary>The length prefix, the JSON header and its padding to a multiple of 8 bytes.</summary>
    private static byte[] Header(IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata, out long dataBytes)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (header.ContainsKey(name)) throw new StrataException($"Duplicate tensor name '{name}'.");
            var shape = new JsonArray();
            foreach (int d in tensor.Shape) shape.Add(d);
            long bytes = (long)tensor.Size * 4;
            header[name] = new JsonObject { ["dtype"] = "F32", ["shape"] = shape, ["data_offsets"] = new JsonArray(offset, offset + bytes) };
            offset += bytes;
        }
        dataBytes = offset;
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        var result = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)padded);
        json.CopyTo(result, 8);
        result.AsSpan(8 + json.Length).Fill((byte)' ');
        return result;
    }

    private static void WriteData(Stream stream, IReadOnlyList<(string Name, Tensor Tensor)> tensors)
    {
        if (BitConverter.IsLittleEndian)
        {
            foreach (var (_, tensor) in tensors) stream.Write(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
            return;
        }
        // The format is little-endian: a big-endian machine swaps through one small buffer.
        var buffer = new byte[64 * 1024];
        foreach (var (_, tensor) in tensors)
        {
            for (int start = 0; start < tensor.Size; start += buffer.Length / 4)
            {
                int count = Math.Min(buffer.Length / 4, tensor.Size - start);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), tensor.Data[start + i]);
                stream.Write(buffer, 0, count * 4);
            }
        }
    }

    /// <summary>Reads every tensor; <paramref name="source"/> names the file in error messages.</summary>
    public static Dictionary<string, Tensor> Deserialize(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 8) throw Corrupt(source, "the file is shorter than its 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderLength || headerLength > (ulong)(bytes.Length - 8))
            throw Corrupt(source, $"the header length {headerLength} goes beyond the file ({bytes.Length} bytes)");
        var dataStart = 8 + (int)headerLength;
        long dataLength = bytes.Length - dataStart;
        JsonObject header;
        try
        {
            header = JsonNode.Parse(bytes.Slice(8, (int)headerLength).ToArray()) as JsonObject
                ?? throw Corrupt(source, "the header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Corrupt(source, $"the header is not valid JSON ({e.Message})");
        }

        var ranges = new List<(long Begin, long End, string Name)>();
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            if (node is not JsonObject entry) throw Corrupt(source, $"tensor '{name}' has no description object");
            string dtype = Read<string>(entry, "dtype", name, source);
            if (dtype != "F32") throw Corrupt(source, $"tensor '{name}' has dtype {dtype}; only F32 is supported");
            var shapeNode = entry["shape"] as JsonArray ?? throw Corrupt(source, $"tensor '{name}' has no shape");
            var offsets = entry["data_offsets"] as JsonArray ?? throw Corrupt(source, $"tensor '{name}' has no data_offsets");
            if (offsets.Count != 2) throw Corrupt(source, $"tensor '{name}' has {offsets.Count} data_offsets instead of 2");
            var shape = new int[shapeNode.Count];
            long elements = 1;
            for (int i = 0; i < shape.Length; i++)
            {
                long d = ReadLong(shapeNode[i], $"shape of '{name}'", source);
                if (d < 0 || d > int.MaxValue) throw Corrupt(source, $"tensor '{name}' has dimension {d}");
                shape[i] = (int)d;
                elements *= d;
                if (elements > dataLength / 4 + 1) throw Corrupt(source, $"tensor '{name}' declares more data than the file holds");
            }
            long begin = ReadLong(offsets[0], $"data_offsets of '{name}'", source);
            long end = ReadLong(offsets[1], $"data_offsets of '{name}'", source);
            if (begin < 0 || end < begin || end > dataLength)
                throw Corrupt(source, $"tensor '{name}' has data offsets [{begin}, {end}) outside the data ({dataLength} bytes)");
            if (end - begin != elements * 4)
                throw Corrupt(source, $"tensor '{name}' has {end - begin} bytes of data but its shape needs {elements * 4}");
            ranges.Add((begin, end, name));
            var tensor = new Tensor(shape);
            var src = bytes.Slice(dataStart + (int)begin, (int)(end - begin));
            for (int i = 0; i < tensor.Size; i++) tensor.Data[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(i * 4)..]);
            result[name] = tensor;
        }
        ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        for (int i = 1; i < ranges.Count; i++)
            if (ranges[i].Begin < ranges[i - 1].End)
                throw Corrupt(source, $"the data of tensors '{ranges[i - 1].Name}' and '{ranges[i].Name}' overlap");
        return result;
    }

    private static T Read<T>(JsonObject entry, string key, string name, string source)
    {
        try { if (entry[key] is JsonValue v && v.TryGetValue(out T? value) && value is not null) return value; }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { }
        throw Corrupt(source, $"tensor '{name}' has no valid '{key}'");
    }

    private static long ReadLong(JsonNode? node, string what, string source)
    {
        try { if (node is JsonValue v && v.TryGetValue(out long value)) return value; }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { }
        throw Corrupt(source, $"the {what} are not integers");
    }

    private static StrataException Corrupt(string source, string detail) => new($"{source}: not a valid safetensors file: {detail}.");
}
