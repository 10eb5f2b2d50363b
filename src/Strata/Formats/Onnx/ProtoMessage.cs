using Google.Protobuf;

namespace Strata.Formats.Onnx;

/// <summary>
/// One protobuf message being written, field by field, with Google.Protobuf's coded stream. Nested
/// messages are written as length-delimited fields, so the ONNX messages can be built from the
/// field numbers of onnx.proto without generated classes.
/// </summary>
internal sealed class ProtoMessage
{
    private readonly MemoryStream _buffer = new();
    private readonly CodedOutputStream _out;

    public ProtoMessage() => _out = new CodedOutputStream(_buffer, leaveOpen: true);

    public ProtoMessage Int(int field, long value)
    {
        _out.WriteTag(field, WireFormat.WireType.Varint);
        _out.WriteInt64(value);
        return this;
    }

    public ProtoMessage Float(int field, float value)
    {
        _out.WriteTag(field, WireFormat.WireType.Fixed32);
        _out.WriteFloat(value);
        return this;
    }

    public ProtoMessage String(int field, string value)
    {
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteString(value);
        return this;
    }

    public ProtoMessage Bytes(int field, byte[] value)
    {
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteBytes(ByteString.CopyFrom(value));
        return this;
    }

    public ProtoMessage Message(int field, ProtoMessage message) => Bytes(field, message.ToArray());

    /// <summary>A repeated int64 field, packed (proto3's default encoding).</summary>
    public ProtoMessage PackedInts(int field, IEnumerable<long> values)
    {
        var inner = new MemoryStream();
        var coded = new CodedOutputStream(inner, leaveOpen: true);
        foreach (long v in values) coded.WriteInt64(v);
        coded.Flush();
        return Bytes(field, inner.ToArray());
    }

    public byte[] ToArray()
    {
        _out.Flush();
        return _buffer.ToArray();
    }
}
