using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Strata.Runs;
using Strata.Layers;
using Strata.Models;
using Xunit;
using Xunit.Abstractions;

namespace Strata.Tests.Runs;

/// <summary>
/// Seeded fuzzing of training specs: values of the wrong type, unknown and misspelled keys, missing
/// sections and huge numbers. Every mutant loads, or is refused with a StrataException naming the
/// spec file; no other exception escapes.
/// </summary>
public sealed class SpecFuzzTests(ITestOutputHelper output)
{
    private static readonly JsonNode?[] Replacements =
    [
        null, "text", "", 0, -1, 0.5, 1e300, -1e300, 3e9, 2147483647, true, false, new JsonArray(), new JsonArray(1, "x", null),
        new JsonObject(), new JsonObject { ["class_name"] = 7 }, new JsonObject { ["class_name"] = "Dense", ["config"] = "x" },
    ];

    [Fact]
    public void MutatedSpecsLoadOrFailWithAStrataExceptionNamingTheSpec()
    {
        var examples = Directory.EnumerateFiles(Path.Combine(TestSupport.RepositoryRoot, "examples"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => (Path: f, Json: JsonNode.Parse(File.ReadAllText(f))!.AsObject())).ToList();
        // STRATA_FUZZ_SEED explores other mutants when the test is run again and again by hand.
        var random = new Random(int.TryParse(Environment.GetEnvironmentVariable("STRATA_FUZZ_SEED"), out int seed) ? seed : 20261201);
        int loaded = 0, refused = 0, unknownKeys = 0, wrongTypes = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            var (path, json) = examples[random.Next(examples.Count)];
            var spec = (JsonObject)json.DeepClone();
            string kind = Mutate(spec, random);
            try
            {
                var loadedSpec = TrainingSpec.FromJson(spec, path);
                // A spec that loads also builds, within a bound on its weights, or is refused by name.
                var previous = Layer.WeightBudget.Value;
                Layer.WeightBudget.Value = new StrongBox<long>(20_000_000);
                try
                {
                    var model = Sequential.FromConfig(loadedSpec.Model, loadedSpec.Seed);
                    if (!model.IsBuilt && model.InputShape is null) model.Build([-1, 11]);
                }
                catch (StrataException)
                {
                }
                finally
                {
                    Layer.WeightBudget.Value = previous;
                }
                loaded++;
            }
            catch (StrataException e)
            {
                Assert.StartsWith(path, e.Message);
                refused++;
                if (kind == "unknown key" && e.Message.Contains("Unknown ", StringComparison.Ordinal)) unknownKeys++;
                if (kind == "wrong type") wrongTypes++;
            }
            catch (Exception e)
            {
                Assert.Fail($"trial {trial} ({kind}) on {Path.GetFileName(path)}: {e}");
            }
        }
        output.WriteLine($"{loaded} loaded, {refused} refused ({unknownKeys} for an unknown key, {wrongTypes} for a wrong value)");
        // Every unknown key is refused; most wrong values are (a number where another number was may be fine).
        Assert.True(unknownKeys >= 600, $"only {unknownKeys} unknown keys refused");
        Assert.True(wrongTypes >= 400, $"only {wrongTypes} wrong values refused");
        Assert.True(loaded >= 100, $"only {loaded} mutants loaded: the mutations never keep a spec valid");
    }

    /// <summary>Changes one place of the spec; returns what kind of change it was.</summary>
    private static string Mutate(JsonObject spec, Random random)
    {
        var objects = new List<JsonObject>();
        Collect(spec, objects);
        var target = objects[random.Next(objects.Count)];
        switch (random.Next(4))
        {
            case 0:
                // An unknown key: a known one misspelled, or one no spec has.
                string key = target.Count > 0 && random.Next(2) == 0 ? Misspell(target.ElementAt(random.Next(target.Count)).Key, random) : $"zz_{random.Next(1000)}";
                if (target.ContainsKey(key)) return "none";
                target[key] = 1;
                return "unknown key";
            case 1 when target.Count > 0:
                target.Remove(target.ElementAt(random.Next(target.Count)).Key);
                return "missing key";
            case 2 when target.Count > 0:
            {
                string name = target.ElementAt(random.Next(target.Count)).Key;
                var replacement = Replacements[random.Next(Replacements.Length)];
                target[name] = replacement?.DeepClone();
                return "wrong type";
            }
            default:
                spec.Remove(new[] { "data", "model", "compile", "fit" }[random.Next(4)]);
                return "missing section";
        }
    }

    private static string Misspell(string key, Random random)
    {
        if (key.Length < 2) return key + "x";
        int i = random.Next(key.Length - 1);
        return random.Next(3) switch
        {
            0 => key.Remove(i, 1),
            1 => key[..i] + key[i + 1] + key[i] + key[(i + 2)..],
            _ => key.Insert(i, "q"),
        };
    }

    private static void Collect(JsonNode? node, List<JsonObject> objects)
    {
        switch (node)
        {
            case JsonObject o:
                objects.Add(o);
                foreach (var (_, child) in o) Collect(child, objects);
                break;
            case JsonArray a:
                foreach (var child in a) Collect(child, objects);
                break;
        }
    }
}
