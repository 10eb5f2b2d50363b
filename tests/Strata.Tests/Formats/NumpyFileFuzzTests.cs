using System.Text;
using Strata.Formats;
using Strata.Tests.Runs;
using Xunit;
using Xunit.Abstractions;

namespace Strata.Tests.Formats;

/// <summary>
/// Seeded mutations of NumPy files written by NumPy (bytes flipped, inserted or cut anywhere, and
/// characters of the header dict replaced): each must read or fail with a <see cref="StrataException"/>
/// naming the file, nothing else.
/// </summary>
public sealed class NumpyFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-npy-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Sources =
        ["float-f4-le.npy", "int-i8-be.npy", "fortran-f8-be.npy", "version-3.npy", "bool.npy", "images.npy", "stored.npz", "deflated.npz"];

    /// <summary>What a header dict is made of, so that replaced characters still look like one.</summary>
    private const string HeaderAlphabet = "{}()[],:' \"<>|=fiubcTrueFalsdhp0123456789-L\n";

    [Fact]
    public void MutatedNumpyFilesReadOrFailWithAStrataExceptionNamingTheFile()
    {
        var originals = Sources.Select(s => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "npy", s))).ToArray();
        var random = new Random(5);
        int read = 0, refused = 0;
        const int Tries = 4000;
        for (int i = 0; i < Tries; i++)
        {
            int source = random.Next(originals.Length);
            var original = originals[source];
            // Half the mutations aim at the header of an .npy, the rest anywhere in any file.
            byte[] bytes = i % 2 == 0 && Sources[source].EndsWith(".npy", StringComparison.Ordinal)
                ? MutateHeader(original, random)
                : HostileInputFuzzTests.MutateBytes(original, random);
            string path = Path.Combine(_dir, $"mutant-{i % 4}{Path.GetExtension(Sources[source])}");
            File.WriteAllBytes(path, bytes);
            try
            {
                NumpyFile.ReadArrays(path);
                read++;
            }
            catch (StrataException e)
            {
                Assert.Contains(path, e.Message);
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i} of {Sources[source]}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
        output.WriteLine($"{Tries} mutated NumPy files: {read} read, {refused} refused with a StrataException naming the file");
        Assert.True(refused > Tries / 2 && read > Tries / 40, $"{read} read, {refused} refused: the mutations are not reaching both outcomes");
    }

    /// <summary>Replaces, removes or inserts a few characters of the header dict (bytes 10 to the newline of a version 1.0 file).</summary>
    private static byte[] MutateHeader(byte[] original, Random random)
    {
        int start = original[6] == 1 ? 10 : 12;
        int end = Array.IndexOf(original, (byte)'\n', start);
        if (end < 0) return HostileInputFuzzTests.MutateBytes(original, random);
        var header = new StringBuilder(Encoding.Latin1.GetString(original, start, end - start));
        for (int m = random.Next(1, 4); m > 0; m--)
        {
            int at = random.Next(header.Length);
            char c = HeaderAlphabet[random.Next(HeaderAlphabet.Length)];
            switch (random.Next(3))
            {
                case 0: header[at] = c; break;
                case 1: header.Remove(at, 1).Append(' '); break;
                // An insertion keeps the length by dropping a padding space, when there is one.
                default: header.Insert(at, c); if (header[^1] == ' ') header.Length--; break;
            }
        }
        var text = Encoding.Latin1.GetBytes(header.ToString());
        var result = new byte[original.Length - (end - start) + text.Length];
        original.AsSpan(0, start).CopyTo(result);
        text.CopyTo(result, start);
        original.AsSpan(end).CopyTo(result.AsSpan(start + text.Length));
        // The declared header length follows the text, so the mutation reaches the parser instead of the length check.
        if (start == 10) BitConverter.TryWriteBytes(result.AsSpan(8, 2), (ushort)(text.Length + 1));
        else BitConverter.TryWriteBytes(result.AsSpan(8, 4), (uint)(text.Length + 1));
        return result;
    }
}
