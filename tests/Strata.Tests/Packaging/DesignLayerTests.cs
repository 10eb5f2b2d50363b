using System.Text.RegularExpressions;
using Xunit;

namespace Strata.Tests.Packaging;

/// <summary>
/// The library's folders are its design: tensors and kernels, then automatic differentiation, then
/// layers, then models and training, then data, file formats, reports and runs, then advice. A
/// namespace may use its own rank and those below it, never one above.
/// </summary>
public partial class DesignLayerTests
{
    private static readonly (string Namespace, int Rank)[] Ranks =
    [
        ("Strata.Tensors", 0), ("Strata.Kernels", 0), ("Strata.Distributed", 0),
        ("Strata.Autodiff", 1),
        ("Strata.Layers", 2),
        ("Strata.Models", 3), ("Strata.Training", 3),
        ("Strata.Data", 4), ("Strata.Formats", 4), ("Strata.Reporting", 4), ("Strata.Runs", 4),
        ("Strata.Advice", 5), ("Strata.Bench", 5),
        ("Strata", 0),
    ];

    private static string LibraryRoot => Path.Combine(TestSupport.RepositoryRoot, "src", "Strata");

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(LibraryRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => Path.GetRelativePath(LibraryRoot, f).Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj"));

    private static int RankOf(string ns) =>
        Ranks.First(r => ns == r.Namespace || ns.StartsWith(r.Namespace + ".", StringComparison.Ordinal)).Rank;

    [Fact]
    public void RanksPlaceEveryKnownNamespace()
    {
        Assert.Equal(4, RankOf("Strata.Formats.Onnx"));
        Assert.Equal(2, RankOf("Strata.Layers.Normalization"));
        Assert.Equal(0, RankOf("Strata"));
        Assert.Equal(5, RankOf("Strata.Advice"));
    }

    [Fact]
    public void EveryFileDeclaresTheNamespaceOfItsFolder()
    {
        var wrong = new List<string>();
        foreach (var file in SourceFiles())
        {
            var folder = Path.GetDirectoryName(Path.GetRelativePath(LibraryRoot, file))!;
            var expected = folder.Length == 0 ? "Strata" : "Strata." + folder.Replace(Path.DirectorySeparatorChar, '.');
            // The configuration records are the layers' own vocabulary; the folder only groups their files.
            if (expected == "Strata.Layers.Config") expected = "Strata.Layers";
            var declared = NamespaceLine().Match(File.ReadAllText(file));
            if (!declared.Success || declared.Groups[1].Value != expected)
                wrong.Add($"{Path.GetRelativePath(LibraryRoot, file)} declares '{(declared.Success ? declared.Groups[1].Value : "none")}', expected '{expected}'");
        }
        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public void NoNamespaceUsesOneAboveIt()
    {
        var upward = new List<string>();
        int files = 0;
        foreach (var file in SourceFiles())
        {
            files++;
            var text = File.ReadAllText(file);
            var own = NamespaceLine().Match(text).Groups[1].Value;
            foreach (Match use in StrataReference().Matches(StripComments(text)))
            {
                var used = use.Groups[1].Value;
                if (RankOf(used) > RankOf(own))
                    upward.Add($"{Path.GetRelativePath(LibraryRoot, file)} ({own}, rank {RankOf(own)}) uses {used} (rank {RankOf(used)})");
            }
        }
        Assert.True(files > 100, $"only {files} source files found under {LibraryRoot}");
        Assert.True(upward.Count == 0, string.Join(Environment.NewLine, upward.Distinct()));
    }

    [Fact]
    public void TheCheckSeesAnUpwardUse()
    {
        const string kernel = "namespace Strata.Kernels;\nusing Strata.Models;\nclass K { Strata.Runs.TrainingRun? r; }";
        var used = StrataReference().Matches(StripComments(kernel)).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["Strata.Kernels", "Strata.Models", "Strata.Runs.TrainingRun"], used);
        Assert.All(used.Skip(1), u => Assert.True(RankOf(u) > RankOf("Strata.Kernels")));
    }

    private static string StripComments(string text) => LineComment().Replace(text, "");

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    /// <summary>using directives and fully qualified names: <c>Strata.X</c> followed by more name parts.</summary>
    [GeneratedRegex(@"(?<![\w.])(Strata(?:\.[A-Z]\w*)+)")]
    private static partial Regex StrataReference();

    [GeneratedRegex(@"//.*$", RegexOptions.Multiline)]
    private static partial Regex LineComment();
}
