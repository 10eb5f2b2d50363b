using System.CommandLine;
using System.Text.Json;
using Strata.Advice;
using Strata.Runs;
using Strata.Models;
using Strata.Formats;

namespace Strata.Cli;

/// <summary>The layer-order advisor's commands: lint, diagnose and compare.</summary>
internal sealed partial class StrataCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private Command LintCommand()
    {
        var path = new Argument<string?>("SPEC.json|MODEL.strata") { Description = "A spec, or a model file (linted with the spec and data it records).", Arity = ArgumentArity.ZeroOrOne };
        var fix = Flag("--fix", "Write a corrected spec, named <name>-fixed, applying the fix of every finding left at or above --min-severity.");
        var output = Text("--output", "F.json", "Where --fix writes the corrected spec.", "SPEC-fixed.json beside SPEC.json");
        var overwrite = Flag("--overwrite", "Replace an existing --fix output.");
        var rules = Text("--rules", "ID,...", "Only these rules (see --list-rules).", "every rule");
        var minimum = new Option<LintSeverity>("--min-severity")
        {
            Description = "Report findings of this severity and above: info, warning or error.",
            HelpName = "S",
            DefaultValueFactory = _ => LintSeverity.Info,
            CustomParser = r => ParseSeverity(r),
        };
        _defaults[minimum] = "info";
        var json = Flag("--json", "Print the findings as JSON.");
        var listRules = Flag("--list-rules", "List the rules, one line each, and exit.");
        var (epochs, limit) = SpecOverrides("lint the fit with, as 'train --epochs' would run it");
        var ranks = Int("--ranks", "N", "Lint the fit as N ranks would run it (strata train --ranks N, mpirun -np N).", 1, minimum: 1, expects: "a positive number of ranks");
        var command = With(NewCommand("lint", "Check the order and settings of the layers, the loss, the fit and the data.",
            "Check the order and settings of the layers (Dropout, BatchNormalization, pooling, activations), the loss, the fit settings and the data; each finding says what, why, what to change and where the reasoning comes from. --fix writes a corrected spec. Exits 1 when a warning or an error is left."),
            path, fix, output, overwrite, rules, minimum, json, listRules, epochs, limit, ranks);
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(listRules))
            {
                if (parsed.GetValue(path) is not null) throw new UsageException("'strata lint --list-rules' takes no SPEC or MODEL.");
                foreach (var rule in Linter.Rules) _output.WriteLine($"{rule.Id,-38} {rule.Summary}");
                return CommandLine.Success;
            }
            string source = parsed.GetValue(path) ?? throw new UsageException("'strata lint' expects 1 argument (SPEC.json|MODEL.strata); received 0. See 'strata lint --help'.");
            var selected = parsed.GetValue(rules)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
            if (selected is not null)
                foreach (var id in selected.Where(id => Linter.Rules.All(r => r.Id != id)))
                    throw new UsageException($"Unknown lint rule '{id}'{NameSuggestion.DidYouMean(id, Linter.Rules.Select(r => r.Id))}. Rules: {string.Join(", ", Linter.Rules.Select(r => r.Id))}.");
            var severity = parsed.GetValue(minimum);
            bool Selected(LintFinding f) => f.Severity >= severity && (selected is null || selected.Contains(f.RuleId));
            TrainingSpec LoadSpec()
            {
                var spec = TrainingSpec.Load(source);
                if (parsed.GetValue(epochs) is int e) spec.Epochs = e;
                if (parsed.GetValue(limit) is int l) spec.Limit = l;
                return spec;
            }
            bool asJson = parsed.GetValue(json);
            if (parsed.GetValue(fix))
            {
                if (!IsSpec(source)) throw new UsageException($"{source}: 'strata lint --fix' corrects a spec (.json); a model file can only be linted.");
                string destination = parsed.GetValue(output) ?? LintFixReport.DefaultPath(source);
                OutputFile.Check(destination, parsed.GetValue(overwrite), "give --overwrite", source);
                var spec = LoadSpec();
                var result = SpecLinter.Fix(spec, severity, selected, SpecLinter.ContextFor(spec) with { Ranks = parsed.GetValue(ranks) });
                LintFixReport.Save(result, spec, destination);
                var remaining = result.Remaining.Where(Selected).ToList();
                _output.Write(asJson ? LintFixReport.ToJson(result, destination, remaining).ToJsonString(Indented) + "\n" : LintFixReport.ToText(result, source, destination, remaining));
                return LintExit(remaining);
            }
            IReadOnlyList<LintFinding> findings;
            if (IsSpec(source))
            {
                var spec = LoadSpec();
                findings = SpecLinter.Lint(spec, SpecLinter.ContextFor(spec) with { Ranks = parsed.GetValue(ranks) });
            }
            else
            {
                if (Given(parsed, epochs) || Given(parsed, limit) || Given(parsed, ranks)) throw new UsageException("Options --epochs, --limit and --ranks of 'strata lint' apply to a spec.");
                var linted = ModelLinter.Lint(Sequential.Load(source));
                if (linted.SkippedText(source) is string skipped) _output.WriteLine(skipped);
                findings = linted.Findings;
            }
            findings = findings.Where(Selected).ToList();
            _output.Write(asJson ? LintReport.ToJson(findings).ToJsonString(Indented) + "\n" : LintReport.ToText(findings, source));
            return LintExit(findings);
        });
        return command;
    }

    private static int LintExit(IEnumerable<LintFinding> findings) =>
        findings.Any(f => f.Severity >= LintSeverity.Warning) ? CommandLine.Failure : CommandLine.Success;

    private static LintSeverity ParseSeverity(System.CommandLine.Parsing.ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "info";
        switch (text.ToLowerInvariant())
        {
            case "info": return LintSeverity.Info;
            case "warning": return LintSeverity.Warning;
            case "error": return LintSeverity.Error;
            default:
                result.AddError($"Option --min-severity expects info, warning or error. Received: '{text}'");
                return LintSeverity.Info;
        }
    }

    private Command DiagnoseCommand()
    {
        var path = new Argument<string>("SPEC.json|MODEL.strata") { Description = "A spec (trained first) or a trained model file." };
        var data = Text("--data", DataForms, "Measure on these rows: a CSV (scored when it holds the model's target), an .npy or .npz array of inputs (scored with targets), or a Fashion-MNIST directory (its training images, scored on its test images).", "the spec's training rows");
        var targets = TargetsOption();
        var specOption = Text("--spec", "SPEC.json", "Measure a model file on the training rows of this spec.", "the spec the model file records");
        var rows = Positive("--rows", "N", "Measure on at most the first N rows.", 10000);
        var batchSize = Positive("--batch-size", "B", "Rows per forward pass.", 256);
        var seed = Int("--seed", "S", "The seed of the dropout noise in the training-mode passes.", 0);
        var epochs = Positive("--epochs", "N", "Epochs to train a spec for before measuring it.", "the spec's fit.epochs");
        var outDir = Text("--out", "DIR", "Keep the run of a spec in DIR.", "a temporary folder, removed afterwards");
        var json = Flag("--json", "Print the report as JSON.");
        var command = With(NewCommand("diagnose", "Measure the variance shift, moving statistics and dead units of a model.",
            "Measure a model on data: per BatchNormalization layer the variance of its input in training with and without the dropout family (variance shift) and the gap between its moving and true statistics; the effect of recalibrating them on predictions; dead ReLU and saturated sigmoid/tanh units; the saturation of each recurrent layer's gates. A spec is trained first."),
            path, data, targets, specOption, rows, batchSize, seed, epochs, outDir, json);
        command.SetAction(parsed =>
        {
            string source = parsed.GetValue(path)!;
            string? dataPath = parsed.GetValue(data), specPath = parsed.GetValue(specOption);
            bool asJson = parsed.GetValue(json);
            ModelDiagnosis result;
            if (IsSpec(source))
            {
                var spec = TrainingSpec.Load(source);
                if (parsed.GetValue(epochs) is int e) spec.Epochs = e;
                result = ModelDiagnosis.TrainAndRun(spec, parsed.GetValue(outDir), dataPath, parsed.GetValue(rows), parsed.GetValue(batchSize), parsed.GetValue(seed),
                    asJson ? null : _output, parsed.GetValue(targets));
            }
            else
            {
                if (Given(parsed, epochs) || Given(parsed, outDir)) throw new UsageException("Options --epochs and --out of 'strata diagnose' apply to a spec, which is trained first.");
                var model = Sequential.Load(source);
                var spec = specPath is not null ? TrainingSpec.Load(specPath) : null;
                if (dataPath is null && spec is null && TrainingMetadata.Of(model) is null)
                    throw new StrataException($"{source}: the model does not say where its data is; give --data X.csv or --spec SPEC.json.");
                result = ModelDiagnosis.Run(model, dataPath, spec, rows: parsed.GetValue(rows), batchSize: parsed.GetValue(batchSize), seed: parsed.GetValue(seed), modelName: source, targetsPath: parsed.GetValue(targets));
            }
            _output.Write(asJson ? result.ToJson().ToJsonString(Indented) + "\n" : result.ToText());
            return CommandLine.Success;
        });
        return command;
    }

    private Command CompareCommand()
    {
        var specs = new Argument<string[]>("SPEC.json") { Description = "The specs to compare.", Arity = ArgumentArity.OneOrMore };
        var seeds = Positive("--seeds", "N", "Train each spec with seeds 0..N-1.", 3);
        var (epochs, limit) = SpecOverrides("train each run");
        var metric = Text("--metric", "KEY", "The history key compared, such as val_accuracy.", "val_loss (loss without validation data)");
        var outDir = Text("--out", "DIR", "Keep the runs in DIR/<spec name>/seed-N.", "a temporary folder, removed afterwards");
        var json = Flag("--json", "Print the results as JSON.");
        var command = With(NewCommand("compare", "Train specs over several seeds and compare their best validation metric.",
            "Train each spec with seeds 0..N-1 and print the mean ± standard deviation of the best validation metric, the epoch of the best, the final metric with the moving and with recalibrated BatchNormalization statistics, and the measured variance shift."),
            specs, seeds, epochs, limit, metric, outDir, json);
        command.SetAction(parsed =>
        {
            bool asJson = parsed.GetValue(json);
            var loaded = parsed.GetValue(specs)!.Select(TrainingSpec.Load).ToList();
            foreach (var spec in loaded)
            {
                if (parsed.GetValue(epochs) is int e) spec.Epochs = e;
                if (parsed.GetValue(limit) is int l) spec.Limit = l;
            }
            var results = Comparison.RunAll(loaded, parsed.GetValue(seeds), parsed.GetValue(metric), parsed.GetValue(outDir), asJson ? null : _output);
            _output.Write(asJson ? ComparisonText.ToJson(results).ToJsonString(Indented) + "\n" : ComparisonText.ToTable(results));
            return CommandLine.Success;
        });
        return command;
    }
}
