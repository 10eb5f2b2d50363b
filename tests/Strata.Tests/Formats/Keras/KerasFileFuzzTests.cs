using System.IO.Compression;
using System.Text;
using Strata.Formats;
using Strata.Models;
using Xunit;
using Xunit.Abstractions;

namespace Strata.Tests.Formats.Keras;

/// <summary>
/// Seeded mutations of the generated Keras files (the HDF5 bytes, the zip's entries, the config's JSON):
/// each must load or fail with the library's own <see cref="StrataException"/>, nothing else.
/// </summary>
public sealed class KerasFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "keras");
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-keras-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("keras2.h5", 1)]
    [InlineData("tfkeras210.h5", 2)]
    [InlineData("keras1.h5", 3)]
    public void MutatedHdf5FilesLoadOrFailWithAStrataException(string file, int seed)
    {
        var original = File.ReadAllBytes(Path.Combine(Folder, file));
        var random = new Random(seed);
        Run(file, 400, i => i % 10 == 0 ? original[..random.Next(8, original.Length)] : Corrupt(original, random));
    }

    [Fact]
    public void MutatedKeras3FilesLoadOrFailWithAStrataException()
    {
        var entries = new Dictionary<string, byte[]>();
        using (var zip = ZipFile.OpenRead(Path.Combine(Folder, "keras3.keras")))
            foreach (var entry in zip.Entries)
            {
                using var s = entry.Open();
                var buffer = new MemoryStream();
                s.CopyTo(buffer);
                entries[entry.FullName] = buffer.ToArray();
            }
        var random = new Random(5);
        Run("keras3.keras", 400, i =>
        {
            var mutated = new Dictionary<string, byte[]>(entries);
            switch (i % 3)
            {
                case 0: mutated["model.weights.h5"] = Corrupt(mutated["model.weights.h5"], random); break;
                case 1: mutated["config.json"] = MutateNumber(mutated["config.json"], random); break;
                default: mutated["metadata.json"] = Corrupt(mutated["metadata.json"], random); break;
            }
            var stream = new MemoryStream();
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
                foreach (var (name, bytes) in mutated)
                    using (var s = zip.CreateEntry(name).Open()) s.Write(bytes);
            return stream.ToArray();
        });
    }

    private void Run(string file, int tries, Func<int, byte[]> mutant)
    {
        int loaded = 0, refused = 0;
        for (int i = 0; i < tries; i++)
        {
            string path = Path.Combine(_dir, $"mutant-{i % 3}{Path.GetExtension(file)}");
            File.WriteAllBytes(path, mutant(i));
            try
            {
                Sequential.Load(path);
                loaded++;
            }
            catch (StrataException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{file} mutation {i}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
        output.WriteLine($"{tries} mutations of {file}: {loaded} loaded, {refused} refused with a StrataException");
        Assert.True(refused > 0, $"{file}: no mutation was refused");
    }

    /// <summary>A few bytes set to random values, or a run of them set to 0xFF (a length or an address gone wild).</summary>
    private static byte[] Corrupt(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        if (random.Next(2) == 0)
        {
            int start = random.Next(bytes.Length), length = Math.Min(random.Next(1, 9), bytes.Length - start);
            bytes.AsSpan(start, length).Fill(0xFF);
        }
        else
            for (int k = random.Next(1, 6); k > 0; k--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        return bytes;
    }

    /// <summary>One number of the JSON replaced by a hostile one (huge, negative, zero, fractional).</summary>
    private static byte[] MutateNumber(byte[] json, Random random)
    {
        string text = Encoding.UTF8.GetString(json);
        var numbers = System.Text.RegularExpressions.Regex.Matches(text, @"(?<=[\[ :,])-?\d+(\.\d+)?");
        if (numbers.Count == 0) return json;
        var match = numbers[random.Next(numbers.Count)];
        string[] replacements = ["1000000000", "-3", "0", "2.5", "99999999999", "null", "\"x\""];
        return Encoding.UTF8.GetBytes(text[..match.Index] + replacements[random.Next(replacements.Length)] + text[(match.Index + match.Length)..]);
    }
}
