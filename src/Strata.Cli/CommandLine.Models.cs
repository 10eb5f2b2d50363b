using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Strata;
using Strata.Data;
using Strata.IO;
using Strata.Models;
using Strata.Tensors;

namespace Strata.Cli;

/// <summary>The commands that use a trained model on data: predict, evaluate, recalibrate and export.</summary>
public static partial class CommandLine
{
    private static int Predict(Arguments a, TextWriter output)
    {
        string input = a.String("input") ?? throw new StrataException("'strata predict' needs --input X.csv.");
        string? outputPath = a.String("output");
        int? mcSamples = a.Int("mc-samples"), seed = a.Int("seed");
        bool overwrite = a.Flag("overwrite");
        a.Finish("predict", 1);
        if (outputPath is not null) OutputFile.Check(outputPath, overwrite, "give --overwrite", input, a.Positional[0]);
        if (seed is not null && mcSamples is null) throw new StrataException("Option --seed of 'strata predict' only applies with --mc-samples.");
        var model = Sequential.Load(a.Positional[0]);
        var (x, _) = ReadRows(model, input);
        Tensor y;
        Tensor? deviation = null;
        if (mcSamples is int samples)
        {
            var prediction = model.Predict(x, samples, seed ?? 0, batchSize: 256);
            (y, deviation) = (prediction.Mean, prediction.StandardDeviation);
        }
        else
        {
            y = model.Predict(x, batchSize: 256);
        }
        int width = y.Size / y.Dim(0);
        var sb = new StringBuilder();
        sb.AppendJoin(',', Enumerable.Range(0, width).SelectMany(i => deviation is null ? [$"output_{i}"] : new[] { $"output_{i}", $"output_{i}_std" })).Append('\n');
        for (int r = 0; r < y.Dim(0); r++)
        {
            for (int j = 0; j < width; j++)
            {
                if (j > 0) sb.Append(',');
                sb.Append(y.Data[r * width + j].ToString("R", CultureInfo.InvariantCulture));
                if (deviation is not null) sb.Append(',').Append(deviation.Data[r * width + j].ToString("R", CultureInfo.InvariantCulture));
            }
            sb.Append('\n');
        }
        if (outputPath is null) output.Write(sb.ToString());
        else
        {
            AtomicFile.WriteAllText(outputPath, sb.ToString());
            output.WriteLine($"Wrote {y.Dim(0)} predictions to {outputPath}");
        }
        return 0;
    }

    private static int Recalibrate(Arguments a, TextWriter output)
    {
        string data = a.String("data") ?? throw new StrataException("'strata recalibrate' needs --data X.csv.");
        int? batches = a.Int("batches"), batchSize = a.Int("batch-size");
        string? outputPath = a.String("output");
        bool allRows = a.Flag("all-rows"), overwrite = a.Flag("overwrite");
        a.Finish("recalibrate", 1);
        string modelPath = a.Positional[0];
        // The recalibrated model goes beside the original, which stays as it was.
        string destination = outputPath ?? RecalibratedPath(modelPath);
        OutputFile.Check(destination, overwrite, "give --overwrite", modelPath, data);
        var model = Sequential.Load(modelPath);
        var (x, targets) = ReadRows(model, data);
        var dataSpec = model.Metadata?["spec"]?["data"] as System.Text.Json.Nodes.JsonObject;
        (Tensor X, Tensor Y, string Label)? evaluation = null;
        var calibration = x;
        if (targets is { } y && model.Loss is not null)
        {
            double split = dataSpec?["validation_split"] is { } vs ? vs.GetValue<double>() : 0;
            int splitSeed = dataSpec?["split_seed"] is { } ss ? ss.GetValue<int>() : 0;
            if (split > 0 && !allRows)
            {
                // The spec's own reading of its file reproduces any split (grouped, limited, rows dropped).
                var spec = AdviceCommands.SpecOf(model);
                bool specFile = spec is not null && Path.GetFullPath(spec.DataPath) == Path.GetFullPath(data);
                if (!specFile && dataSpec?["group_by"] is not null)
                    throw new StrataException($"{modelPath}: the model's validation split groups rows by '{dataSpec["group_by"]}', which only its spec's data file reproduces; give that file as --data, or use --all-rows.");
                var (tx, _, vx, vy) = specFile && SpecData.Load(spec!) is { Validation: { } held } specData
                    ? (specData.TrainX, specData.TrainY, held.X, held.Y)
                    : DataSplit.TrainValidation(x, y, split, splitSeed);
                calibration = tx;
                evaluation = (vx, vy, "validation");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Recalibrating on the {tx.Dim(0)} training rows of the model's split (validation_split {split}, split_seed {splitSeed}); --all-rows uses every row."));
            }
            else
            {
                evaluation = (x, y, "data");
            }
        }
        var before = evaluation is { } e1 ? model.Evaluate(e1.X, e1.Y, 256) : null;
        var layers = model.RecalibrateBatchNorm(calibration, batches, batchSize ?? 256);
        if (layers.Count == 0) throw new StrataException($"{modelPath}: the model has no BatchNormalization layer to recalibrate.");
        foreach (var layer in layers)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {layer.Name}: {layer.Count} values per channel, mean moved by {layer.MeanShift:G4} on average, variance x{layer.VarianceRatio:G4}"));
        if (evaluation is { } e2)
        {
            var after = model.Evaluate(e2.X, e2.Y, 256);
            string prefix = e2.Label == "validation" ? "val_" : "";
            foreach (var (key, value) in before!)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix}{key}: {value:F4} before, {after[key]:F4} after"));
        }
        model.Save(destination, model.Metadata);
        output.WriteLine($"Wrote {destination}");
        return 0;
    }

    private static int Export(Arguments a, TextWriter output)
    {
        string format = a.String("format") ?? "onnx";
        string? destination = a.String("output");
        bool overwrite = a.Flag("overwrite");
        a.Finish("export", 1);
        if (format != "onnx") throw new StrataException($"Option --format of 'strata export' knows only 'onnx'. Received: '{format}'");
        string modelPath = a.Positional[0];
        destination ??= Path.ChangeExtension(modelPath, ".onnx");
        OutputFile.Check(destination, overwrite, "give --overwrite", modelPath);
        var model = Sequential.Load(modelPath);
        IO.Onnx.OnnxExport.Save(model, destination);
        output.WriteLine($"Wrote {destination} (ONNX opset {IO.Onnx.OnnxExport.Opset}, input 'input' {ShapeOps.Format(model.InputShape!)}, channels-last)");
        return 0;
    }

    /// <summary>model.strata → model.recalibrated.strata, beside it.</summary>
    internal static string RecalibratedPath(string modelPath) =>
        Path.Combine(Path.GetDirectoryName(modelPath) ?? "", Path.GetFileNameWithoutExtension(modelPath) + ".recalibrated" + Path.GetExtension(modelPath));

    private static int Evaluate(Arguments a, TextWriter output)
    {
        string data = a.String("data") ?? throw new StrataException("'strata evaluate' needs --data X.csv or an IDX directory.");
        a.Finish("evaluate", 1);
        var model = Sequential.Load(a.Positional[0]);
        if (model.Loss is null) throw new StrataException($"{a.Positional[0]}: the model was saved without compile settings; it cannot be evaluated.");
        Tensor x, y;
        if (Directory.Exists(data))
        {
            var set = Datasets.FashionMnist(data);
            (x, y) = (set.TestImages, set.TestLabels);
            output.WriteLine($"Evaluating on the {x.Dim(0)} test images in {data}");
        }
        else
        {
            if (model.Metadata?["spec"]?["data"]?["target"]?.GetValue<string>() is not string recorded)
                throw new StrataException($"{a.Positional[0]}: the model does not record its target column, so '{data}' cannot be split into inputs and targets.");
            (x, var targets) = ReadRows(model, data);
            y = targets ?? throw new StrataException($"{data}: there is no column '{recorded}' (the model's target).");
            output.WriteLine($"Evaluating on the {x.Dim(0)} rows of {data}");
        }
        foreach (var (key, value) in model.Evaluate(x, y, 256))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}: {value:F4}"));
        return 0;
    }

    /// <summary>
    /// The rows of a CSV as the model takes them: its feature columns (by name when it knows them,
    /// categorical ones encoded as in training) and its target when the file has that column. Only
    /// those columns are read, so text columns elsewhere in the file do no harm.
    /// </summary>
    internal static (Tensor X, Tensor? Y) ReadRows(Sequential model, string path)
    {
        // A model trained on a file without a header row reads its inputs the same way (columns 0, 1, 2, ...).
        bool hasHeader = model.Metadata?["spec"]?["data"]?["header"] is not JsonValue h || !h.TryGetValue(out bool b) || b;
        var header = CsvTable.Header(path, null, hasHeader);
        string? recorded = model.Metadata?["spec"]?["data"]?["target"]?.GetValue<string>();
        string? target = recorded is not null && header.Contains(recorded) ? recorded : null;
        if (model.Metadata?["encoding"] is { } stored)
        {
            var encoding = FeatureEncoding.FromJson(stored);
            RequireColumns(encoding.Features, header, path);
            var text = encoding.Categorical.Select(c => c.Name).ToList();
            var numeric = encoding.NumericFeatures.ToList();
            if (target is not null) (encoding.Target is null ? numeric : text).Add(target);
            var table = CsvTable.Load(path, null, numeric, text, header: hasHeader);
            return (encoding.EncodeFeatures(table), target is null ? null : encoding.EncodeTarget(table, target));
        }
        if (model.FeatureNames is { } names)
        {
            RequireColumns(names, header, path);
            var table = CsvTable.Load(path, null, target is null ? names.ToArray() : names.Append(target).ToArray(), header: hasHeader);
            return (table.Select(names), target is null ? null : table.Select([target]));
        }
        var all = CsvTable.Load(path, header: hasHeader);
        var features = all.Columns.Where(c => c != target).ToArray();
        int expected = model.InputShape![^1];
        if (features.Length != expected)
            throw new StrataException($"{path}: the model expects {expected} columns; the file has {features.Length}.");
        return (all.Select(features), target is null ? null : all.Select([target]));
    }

    private static void RequireColumns(IEnumerable<string> names, IReadOnlyList<string> header, string path)
    {
        var missing = names.Where(n => !header.Contains(n)).ToList();
        if (missing.Count > 0)
            throw new StrataException($"{path}: the model needs column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))}, which the file lacks.");
    }
}
