using System.Buffers.Binary;
using System.Text;
using Strata.Tensors;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Formats;

public class SafeTensorsTests
{
    private static byte[] File(string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)h.Length);
        h.CopyTo(bytes, 8);
        return bytes;
    }

    [Fact]
    public void RoundTrips()
    {
        var a = new Tensor([2, 3], [1, 2, 3, 4, 5, 6]);
        var b = new Tensor([1], [-0.5f]);
        var bytes = SafeTensors.Serialize([("dense/kernel", a), ("dense/bias", b)]);
        Assert.Equal(0, (BinaryPrimitives.ReadInt64LittleEndian(bytes)) % 8);
        var read = SafeTensors.Deserialize(bytes, "m");
        Assert.Equal(a.Data, read["dense/kernel"].Data);
        Assert.Equal(new[] { 2, 3 }, read["dense/kernel"].ShapeArray());
        Assert.Equal(b.Data, read["dense/bias"].Data);
    }

    /// <summary>The layout from the format's description, built by hand: length, header padded with spaces to 8 bytes, little-endian floats.</summary>
    [Fact]
    public void WriteLaysOutTheHeaderAndTheLittleEndianFloatsAsTheFormatSays()
    {
        const string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        int padded = (header.Length + 7) / 8 * 8;
        var expected = new List<byte>();
        expected.AddRange(BitConverter.IsLittleEndian ? BitConverter.GetBytes((ulong)padded) : BitConverter.GetBytes((ulong)padded).Reverse());
        expected.AddRange(Encoding.ASCII.GetBytes(header.PadRight(padded)));
        // 1.0f = 0x3F800000, -2.0f = 0xC0000000, 0.5f = 0x3F000000, least significant byte first.
        expected.AddRange(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3F });

        var tensors = new List<(string, Tensor)> { ("w", new Tensor([2], [1f, -2f])), ("b", new Tensor([1], [0.5f])) };
        var stream = new MemoryStream();
        SafeTensors.Write(stream, tensors);
        Assert.Equal(expected, stream.ToArray());
        Assert.Equal(expected, SafeTensors.Serialize(tensors));
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "outside the data")]
    [InlineData("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "only F32 is supported")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "its shape needs 12")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "overlap")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[100000,100000,100000],\"data_offsets\":[0,8]}}", 8, "more data than the file holds")]
    [InlineData("not json", 0, "not valid JSON")]
    public void CorruptFilesGetClearErrors(string header, int dataBytes, string message)
    {
        var e = Assert.Throws<StrataException>(() => SafeTensors.Deserialize(File(header, dataBytes), "m.safetensors"));
        Assert.Contains("m.safetensors", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsRefused()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1UL << 40);
        Assert.Contains("goes beyond the file", Assert.Throws<StrataException>(() => SafeTensors.Deserialize(bytes, "m")).Message);
        Assert.Contains("shorter than", Assert.Throws<StrataException>(() => SafeTensors.Deserialize(new byte[3], "m")).Message);
    }
}
