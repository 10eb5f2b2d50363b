using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Strata.Data;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;
using Xunit.Abstractions;
using Strata.Formats;

namespace Strata.Tests.Runs;

/// <summary>
/// Thousands of seeded mutations of a model file, a training checkpoint and CSV files: each must
/// load or fail with the library's own <see cref="StrataException"/>, nothing else.
/// </summary>
public sealed class HostileInputFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly JsonNode[] Replacements =
    [
        1_000_000_000_000L, -7, 0, 2.5, "x", "relu", "Dense", true, new JsonArray(), new JsonObject(),
        new JsonArray(3, 3), new JsonArray(-1, 100000000), new string('a', 5000), "F64", "NaN",
    ];

    private string SaveModel()
    {
        var model = new Sequential([new InputLayer([-1, 6, 6, 2]), new Conv2D(3, 3, activation: "relu"), new SpatialDropout2D(0.2),
            new BatchNormalization(), new Flatten(), new Dense(4, "relu"), new Dropout(0.3), new Dense(2)], seed: 1);
        model.Compile(new Adam(), new MeanSquaredError(), ["mae"]);
        model.FeatureNames = null;
        string path = Path.Combine(_dir, "model.strata");
        model.Save(path, new JsonObject { ["note"] = "fuzz" });
        return path;
    }

    [Fact]
    public void MutatedModelFilesLoadOrFailWithAStrataException()
    {
        var original = File.ReadAllBytes(SaveModel());
        var entries = ReadZip(original);
        var random = new Random(7);
        int loaded = 0, refused = 0;
        const int Tries = 3000;
        for (int i = 0; i < Tries; i++)
        {
            byte[] bytes;
            if (i % 5 == 0) bytes = MutateBytes(original, random);
            else
            {
                var mutated = new Dictionary<string, byte[]>(entries);
                string entry = mutated.Keys.ElementAt(random.Next(mutated.Count));
                mutated[entry] = entry.EndsWith(".json", StringComparison.Ordinal) ? MutateJson(mutated[entry], random) : MutateSafetensors(mutated[entry], random);
                if (random.Next(20) == 0) mutated.Remove(mutated.Keys.ElementAt(random.Next(mutated.Count)));
                bytes = WriteZip(mutated);
            }
            string path = Path.Combine(_dir, $"mutant-{i % 4}.strata");
            File.WriteAllBytes(path, bytes);
            try
            {
                Sequential.Load(path);
                loaded++;
            }
            catch (StrataException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
        output.WriteLine($"{Tries} mutated model files: {loaded} loaded, {refused} refused with a StrataException");
        Assert.True(refused > Tries / 2 && loaded > 0, $"{loaded} loaded, {refused} refused: the mutations are not reaching both outcomes");
    }

    [Fact]
    public void EntriesOutsideTheArchiveAreNeverWrittenAndABombIsRefusedBeforeReading()
    {
        var entries = ReadZip(File.ReadAllBytes(SaveModel()));
        entries["../../escaped.txt"] = "x"u8.ToArray();
        // An absolute name no other run uses, in a folder that exists, so a write there would succeed.
        string absolute = Path.Combine(_dir, "outside", $"absolute-{Guid.NewGuid():N}.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(absolute)!);
        entries[absolute] = "x"u8.ToArray();
        string path = Path.Combine(_dir, "traversal.strata");
        File.WriteAllBytes(path, WriteZip(entries));
        Sequential.Load(path);
        Assert.False(File.Exists(Path.Combine(_dir, "..", "..", "escaped.txt")));
        Assert.False(File.Exists(absolute));

        // 200 MB of zeros deflate to about 200 KB: a ratio no model file has.
        var bomb = new Dictionary<string, byte[]>(ReadZip(File.ReadAllBytes(SaveModel()))) { ["config.json"] = new byte[200_000_000] };
        string bombPath = Path.Combine(_dir, "bomb.strata");
        using (var stream = File.Create(bombPath))
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
            foreach (var (name, bytes) in bomb)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
                s.Write(bytes);
            }
        var e = Assert.Throws<StrataException>(() => Sequential.Load(bombPath));
        Assert.Contains("implausible size", e.Message);
    }

    [Fact]
    public void MutatedCheckpointsLoadOrFailWithAStrataException()
    {
        var spec = Cli.CliRunner.SmallRedWineSpec(epochs: 1);
        string specPath = Path.Combine(_dir, "spec.json");
        File.WriteAllText(specPath, spec.ToJsonString());
        var run = Strata.Runs.TrainingRun.Execute(Strata.Runs.TrainingSpec.Load(specPath), Path.Combine(_dir, "run"), checkpoints: new Strata.Runs.TrainingRun.Checkpoints());
        var original = File.ReadAllBytes(Path.Combine(_dir, "run", TrainingCheckpoint.FileName));
        var entries = ReadZip(original);
        var random = new Random(11);
        int loaded = 0, refused = 0;
        const int Tries = 500;
        for (int i = 0; i < Tries; i++)
        {
            var mutated = new Dictionary<string, byte[]>(entries);
            string entry = mutated.Keys.ElementAt(random.Next(mutated.Count));
            mutated[entry] = entry.EndsWith(".json", StringComparison.Ordinal) ? MutateJson(mutated[entry], random) : MutateSafetensors(mutated[entry], random);
            string path = Path.Combine(_dir, "mutant.strata-state");
            File.WriteAllBytes(path, i % 7 == 0 ? MutateBytes(original, random) : WriteZip(mutated));
            try
            {
                TrainingCheckpoint.Load(run.Model, path);
                loaded++;
            }
            catch (StrataException e)
            {
                Assert.Contains(path, e.Message);
                refused++;
            }
            catch (Exception e) { Assert.Fail($"mutation {i} of {entry}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}"); }
        }
        output.WriteLine($"{Tries} mutated checkpoints: {loaded} loaded, {refused} refused with a StrataException");
        Assert.True(refused > Tries / 2 && loaded > 0, $"{loaded} loaded, {refused} refused: the mutations are not reaching both outcomes");
    }

    [Fact]
    public void MutatedCsvFilesParseOrFailWithAStrataException()
    {
        string wine = string.Join('\n', File.ReadLines(Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv")).Take(12));
        string songs = string.Join('\n', File.ReadLines(Path.Combine(TestSupport.RepositoryRoot, "data", "spotify.csv")).Take(8));
        const string Alphabet = ",;\"\n\r\t .-+e1234567890NaInfé\uFEFF";
        var random = new Random(3);
        int parsed = 0, rows = 0;
        var refusals = Checks.ToDictionary(c => c, _ => 0);
        const int Tries = 4000;
        for (int i = 0; i < Tries; i++)
        {
            bool spotify = i % 2 == 1;
            var text = new StringBuilder(spotify ? songs : wine);
            for (int m = random.Next(1, 6); m > 0; m--)
            {
                int at = random.Next(text.Length + 1);
                switch (random.Next(4))
                {
                    case 0: text.Insert(at, Alphabet[random.Next(Alphabet.Length)]); break;
                    case 1: if (at < text.Length) text.Remove(at, 1); break;
                    case 2: if (at < text.Length) text[at] = Alphabet[random.Next(Alphabet.Length)]; break;
                    default: text.Length = Math.Min(text.Length, at); break;
                }
            }
            try
            {
                var table = spotify
                    ? CsvTable.Parse(text.ToString(), "fuzz.csv", null, ["track_popularity", "energy", "duration_ms"], ["track_artist"])
                    : CsvTable.Parse(text.ToString(), "fuzz.csv");
                parsed++;
                rows += table.Rows;
            }
            catch (StrataException e)
            {
                Assert.StartsWith("fuzz.csv", e.Message);
                string? check = Checks.FirstOrDefault(c => e.Message.Contains(c, StringComparison.Ordinal));
                Assert.True(check is not null, $"mutation {i} was refused by none of the table's checks: {e.Message}");
                refusals[check]++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i}: {e.GetType().Name}: {e.Message}\n{text}");
            }
        }
        output.WriteLine($"{Tries} mutated CSV files: {parsed} parsed ({rows} rows), {Tries - parsed} refused with a StrataException naming the file");
        foreach (var (check, count) in refusals) output.WriteLine($"  {count,5} '{check}'");
        Assert.True(parsed > Tries / 10 && Tries - parsed > Tries / 2, $"{parsed} parsed of {Tries}: the mutations are not reaching both outcomes");
        // The checks these mutations meet most (a broken row, a quote, a field, a renamed column): each must have refused some.
        foreach (var check in Checks.Take(5)) Assert.True(refusals[check] >= 10, $"only {refusals[check]} refusals by '{check}'");
    }

    /// <summary>The messages of CsvTable's checks, those the fuzzing meets most first.</summary>
    private static readonly string[] Checks =
    [
        "fields (as in the header)", "has the non-numeric value", "a quoted field is not closed", "there is no column", ") is empty.",
        "has the non-finite value", "of the header has no name", "the header names column", "the file is empty", "header but no data rows",
    ];

    /// <summary>Flips a few bytes, truncates, or inserts random bytes somewhere.</summary>
    internal static byte[] MutateBytes(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(3))
        {
            case 0:
                for (int k = random.Next(1, 10); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            default:
                int at = random.Next(bytes.Length);
                var junk = new byte[random.Next(1, 64)];
                random.NextBytes(junk);
                return [.. bytes[..at], .. junk, .. bytes[at..]];
        }
    }

    /// <summary>Replaces, removes or retypes one value somewhere in the JSON, or breaks its text.</summary>
    private static byte[] MutateJson(byte[] original, Random random)
    {
        if (random.Next(10) == 0) return MutateBytes(original, random);
        var root = JsonNode.Parse(original)!;
        var containers = new List<JsonNode>();
        void Collect(JsonNode? node)
        {
            if (node is JsonObject o) { containers.Add(o); foreach (var (_, v) in o) Collect(v); }
            else if (node is JsonArray a) { containers.Add(a); foreach (var v in a) Collect(v); }
        }
        Collect(root);
        var target = containers[random.Next(containers.Count)];
        var replacement = random.Next(8) == 0 ? null : Replacements[random.Next(Replacements.Length)].DeepClone();
        if (target is JsonObject obj && obj.Count > 0)
        {
            string key = obj.ElementAt(random.Next(obj.Count)).Key;
            if (random.Next(4) == 0) obj.Remove(key);
            else obj[key] = replacement;
        }
        else if (target is JsonArray array && array.Count > 0)
        {
            int index = random.Next(array.Count);
            if (random.Next(4) == 0) array.RemoveAt(index);
            else if (random.Next(3) == 0) array.Add(array[index]?.DeepClone());
            else array[index] = replacement;
        }
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    /// <summary>Mutates the header of a safetensors file (shapes, offsets, dtypes, length) or its data.</summary>
    private static byte[] MutateSafetensors(byte[] original, Random random)
    {
        if (original.Length < 8 || random.Next(4) == 0) return MutateBytes(original, random);
        long headerLength = BitConverter.ToInt64(original, 0);
        if (headerLength <= 0 || headerLength > original.Length - 8) return MutateBytes(original, random);
        var header = MutateJson(original[8..(8 + (int)headerLength)], random);
        var result = new byte[8 + header.Length + original.Length - 8 - (int)headerLength];
        long declared = random.Next(10) == 0 ? random.NextInt64() : header.Length;
        BitConverter.GetBytes(declared).CopyTo(result, 0);
        header.CopyTo(result, 8);
        original.AsSpan(8 + (int)headerLength).CopyTo(result.AsSpan(8 + header.Length));
        return result;
    }

    private static Dictionary<string, byte[]> ReadZip(byte[] bytes)
    {
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        return zip.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var s = e.Open();
            var m = new MemoryStream();
            s.CopyTo(m);
            return m.ToArray();
        });
    }

    private static byte[] WriteZip(Dictionary<string, byte[]> entries)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in entries)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(bytes);
            }
        return stream.ToArray();
    }
}
