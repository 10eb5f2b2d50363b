using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Advice;
using Strata.Data;
using Strata.IO;
using Strata.Models;
using Strata.Tensors;

namespace Strata.Cli;

/// <summary>The layer-order advisor's commands: lint, diagnose and compare.</summary>
internal static class AdviceCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static int Lint(Arguments a, TextWriter output)
    {
        bool fix = a.Flag("fix"), json = a.Flag("json"), listRules = a.Flag("list-rules"), overwrite = a.Flag("overwrite");
        string? outputPath = a.String("output");
        var rules = a.String("rules")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var minimum = ParseSeverity(a.String("min-severity") ?? "info");
        int? epochs = a.Int("epochs"), limit = a.Int("limit");
        if (epochs is < 1 || limit is < 1) throw new StrataException("Options --epochs and --limit of 'strata lint' expect positive integers.");
        TrainingSpec LoadSpec(string specPath)
        {
            var spec = TrainingSpec.Load(specPath);
            if (epochs is int e) spec.Epochs = e;
            if (limit is int l) spec.Limit = l;
            return spec;
        }
        if (listRules)
        {
            a.Finish("lint", 0);
            foreach (var rule in Linter.Rules) output.WriteLine($"{rule.Id,-38} {rule.Summary}");
            return 0;
        }
        a.Finish("lint", 1);
        if (rules is not null)
            foreach (var id in rules.Where(id => Linter.Rules.All(r => r.Id != id)))
                throw new StrataException($"Unknown lint rule '{id}'. Rules: {string.Join(", ", Linter.Rules.Select(r => r.Id))}.");
        string path = a.Positional[0];
        bool Selected(LintFinding f) => f.Severity >= minimum && (rules is null || rules.Contains(f.RuleId));

        if (fix)
        {
            if (!path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                throw new StrataException($"{path}: 'strata lint --fix' corrects a spec (.json); a model file can only be linted.");
            string destination = outputPath ?? Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "-fixed.json");
            OutputFile.Check(destination, overwrite, "give --overwrite", path);
            var spec = LoadSpec(path);
            var result = SpecLinter.Fix(spec, minimum, rules);
            RebaseDataPath(result.Spec, spec, destination);
            AtomicFile.WriteAllText(destination, result.Spec.ToJsonString(Indented) + "\n");
            var remaining = result.Remaining.Where(Selected).ToList();
            if (json)
                output.WriteLine(new JsonObject { ["spec"] = destination, ["applied"] = LintReport.ToJson(result.Applied), ["remaining"] = LintReport.ToJson(remaining) }.ToJsonString(Indented));
            else
            {
                output.WriteLine($"{path}: applied {result.Applied.Count} fix{(result.Applied.Count == 1 ? "" : "es")}");
                foreach (var f in result.Applied)
                    output.WriteLine($"  {f.RuleId} {string.Join(", ", f.Layers.Select(l => $"#{l.Index} {l.Name}"))}: {f.Suggestion}");
                output.WriteLine($"Wrote {destination}");
                output.Write(LintReport.ToText(remaining, destination));
            }
            return remaining.Any(f => f.Severity >= LintSeverity.Warning) ? 1 : 0;
        }

        IReadOnlyList<LintFinding> findings;
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            findings = SpecLinter.Lint(LoadSpec(path));
        else
        {
            if (epochs is not null || limit is not null) throw new StrataException("Options --epochs and --limit of 'strata lint' apply to a spec.");
            var model = Sequential.Load(path);
            var spec = SpecOf(model);
            LintContext? context = null;
            try
            {
                if (spec is not null) context = SpecLinter.ContextFor(spec) with { Loss = model.Loss };
            }
            catch (StrataException e)
            {
                // The layers and loss can still be checked without the data the model was trained on.
                output.WriteLine($"{path}: the rules that need the training data are skipped ({e.Message})");
            }
            findings = model.Lint(context);
        }
        findings = findings.Where(Selected).ToList();
        output.Write(json ? LintReport.ToJson(findings).ToJsonString(Indented) + "\n" : LintReport.ToText(findings, path));
        return findings.Any(f => f.Severity >= LintSeverity.Warning) ? 1 : 0;
    }

    public static int Diagnose(Arguments a, TextWriter output)
    {
        string? dataPath = a.String("data"), specPath = a.String("spec"), outDir = a.String("out");
        int rows = a.Int("rows") ?? 10000, batchSize = a.Int("batch-size") ?? 256, seed = a.Int("seed") ?? 0;
        int? epochs = a.Int("epochs");
        bool json = a.Flag("json");
        a.Finish("diagnose", 1);
        if (rows < 1 || batchSize < 1) throw new StrataException("Options --rows and --batch-size of 'strata diagnose' expect positive integers.");
        string path = a.Positional[0];
        Sequential model;
        TrainingSpec? spec;
        SpecData? data = null;
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            spec = TrainingSpec.Load(path);
            if (epochs is int e) spec.Epochs = e;
            data = SpecData.Load(spec);
            // Without --out the run that is only measured lives in a temporary folder, never over a run of the user's.
            string directory = outDir ?? Directory.CreateTempSubdirectory("strata-diagnose-").FullName;
            try
            {
                if (!json) output.WriteLine($"Training '{spec.Name}' for {spec.Epochs} epochs (seed {spec.Seed}){(outDir is null ? "" : $" into {directory}")}, then measuring it");
                model = TrainingRun.Execute(spec, directory, data: data).Model;
            }
            finally
            {
                if (outDir is null) Directory.Delete(directory, recursive: true);
            }
        }
        else
        {
            if (epochs is not null || outDir is not null) throw new StrataException("Options --epochs and --out of 'strata diagnose' apply to a spec, which is trained first.");
            model = Sequential.Load(path);
            spec = specPath is not null ? TrainingSpec.Load(specPath) : dataPath is null ? SpecOf(model) : null;
        }

        Tensor x;
        (Tensor X, Tensor Y)? evaluation = null;
        string described;
        if (dataPath is not null)
        {
            (x, var targets) = CommandLine.ReadRows(model, dataPath);
            if (targets is not null) evaluation = (x, targets);
            described = $"the {x.Dim(0)} rows of {dataPath}";
        }
        else
        {
            if (spec is null)
                throw new StrataException($"{path}: the model does not say where its data is; give --data X.csv or --spec SPEC.json.");
            data ??= SpecData.Load(spec);
            x = data.TrainX;
            evaluation = data.Validation;
            described = $"the training rows of '{spec.Name}'";
        }
        if (x.Dim(0) > rows) { x = x.SliceRows(0, rows); described = $"the first {rows} of {described}"; }
        var report = Diagnosis.Run(model, x, evaluation, batchSize, seed);
        output.Write(json ? DiagnosisText.ToJson(report).ToJsonString(Indented) + "\n" : DiagnosisText.ToText(report, described));
        return 0;
    }

    public static int Compare(Arguments a, TextWriter output)
    {
        int seeds = a.Int("seeds") ?? 3;
        int? epochs = a.Int("epochs"), limit = a.Int("limit");
        string? metric = a.String("metric"), outDir = a.String("out");
        bool json = a.Flag("json");
        a.FinishAtLeast("compare", 1);
        if (seeds < 1) throw new StrataException($"Option --seeds expects a positive integer. Received: {seeds}");
        if (epochs is < 1 || limit is < 1) throw new StrataException("Options --epochs and --limit of 'strata compare' expect positive integers.");
        var specs = a.Positional.Select(TrainingSpec.Load).ToList();
        var names = specs.Select(s => s.Name).ToList();
        if (names.Distinct().Count() != names.Count)
            for (int i = 0; i < specs.Count; i++) names[i] = Path.GetFileNameWithoutExtension(specs[i].SpecPath);
        string root = outDir ?? Directory.CreateTempSubdirectory("strata-compare-").FullName;
        var results = new List<ComparisonResult>();
        try
        {
            for (int i = 0; i < specs.Count; i++)
            {
                var spec = specs[i];
                if (epochs is int e) spec.Epochs = e;
                if (limit is int l) spec.Limit = l;
                if (!json) output.WriteLine($"Training '{names[i]}' with seeds 0..{seeds - 1} ({spec.Epochs} epochs each)");
                results.Add(Comparison.Run(spec, Enumerable.Range(0, seeds).ToList(), metric, Path.Combine(root, names[i]), json ? null : output) with { Name = names[i] });
            }
        }
        finally
        {
            if (outDir is null && Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
        output.Write(json ? ComparisonText.ToJson(results).ToJsonString(Indented) + "\n" : ComparisonText.ToTable(results));
        return 0;
    }

    private static LintSeverity ParseSeverity(string text) => text.ToLowerInvariant() switch
    {
        "info" => LintSeverity.Info,
        "warning" => LintSeverity.Warning,
        "error" => LintSeverity.Error,
        _ => throw new StrataException($"Option --min-severity expects info, warning or error. Received: '{text}'"),
    };

    /// <summary>The spec a model was trained from, when its metadata records one whose file still exists.</summary>
    internal static TrainingSpec? SpecOf(Sequential model)
    {
        if (model.Metadata?["spec"] is not JsonObject source || model.Metadata["spec_path"]?.GetValue<string>() is not string specPath) return null;
        return TrainingSpec.FromJson((JsonObject)source.DeepClone(), specPath);
    }

    /// <summary>Keeps a fixed spec's relative data path pointing at the same file from the new spec's folder.</summary>
    private static void RebaseDataPath(JsonObject fixedSpec, TrainingSpec spec, string destination)
    {
        if (fixedSpec["data"] is not JsonObject data || data["path"]?.GetValue<string>() is not string relative || Path.IsPathRooted(relative)) return;
        string from = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        data["path"] = Path.GetRelativePath(from, spec.DataPath).Replace('\\', '/');
    }
}
