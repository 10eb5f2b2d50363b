using System.CommandLine;
using Strata.Runs;
using Strata.Formats.Keras;
using Strata.Formats.Onnx;
using Strata.Models;
using Strata.Reporting;
using Strata.Formats;

namespace Strata.Cli;

/// <summary>The commands that use a model: summary, export, evaluate, predict and recalibrate.</summary>
internal sealed partial class StrataCommand
{
    private static Argument<string> ModelArgument() => new("MODEL.strata") { Description = "A model file written by train (or Sequential.Save), or a Keras .h5 or .keras file." };

    private Command SummaryCommand()
    {
        var path = new Argument<string>("SPEC.json|MODEL.strata") { Description = "A spec (its model is built for its data) or a model file (.strata, Keras .h5 or .keras)." };
        var command = With(NewCommand("summary", "Print a model's layers, output shapes and parameter counts.",
            "Print the model's layers, output shapes and parameter counts, as Keras's model.summary()."), path);
        command.SetAction(parsed =>
        {
            string source = parsed.GetValue(path)!;
            var model = IsSpec(source) ? TrainingSpec.Load(source).BuildModel() : Sequential.Load(source);
            _output.Write(model.Summary());
            if (model.Origin is { Format: not "strata" } origin) _output.WriteLine($" Loaded from: {origin.Describe()}");
            return CommandLine.Success;
        });
        return command;
    }

    private Command ExportCommand()
    {
        var model = ModelArgument();
        string[] formats = ["onnx", "keras", "h5"];
        var format = new Option<string>("--format") { Description = "The file format: onnx (ONNX Runtime), keras (a Keras 3 .keras file) or h5 (a legacy tf.keras 2 HDF5 file).", HelpName = "onnx|keras|h5", DefaultValueFactory = _ => "onnx" };
        format.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && !formats.Contains(r.Tokens[0].Value))
                r.AddError($"Option --format of 'strata export' knows {string.Join(", ", formats)}. Received: '{r.Tokens[0].Value}'");
        });
        _defaults[format] = "onnx";
        var output = Text("--output", "F", "The file to write.", "MODEL.onnx, MODEL.keras or MODEL.h5 beside MODEL.strata");
        var overwrite = Flag("--overwrite", "Replace an existing output file.");
        var command = With(NewCommand("export", "Write a model as ONNX (opset 17) for ONNX Runtime, or as a Keras file.",
            "Write the model's inference graph as ONNX (opset 17) for ONNX Runtime: dropout left out, BatchNormalization as its scale and shift, tensors channels-last as in Strata. "
            + "--format keras writes a Keras 3 .keras file and --format h5 a legacy tf.keras 2 HDF5 file, which Keras's load_model opens. A layer without a form in the chosen format is named."),
            model, format, output, overwrite);
        command.SetAction(parsed =>
        {
            string modelPath = parsed.GetValue(model)!;
            string kind = parsed.GetValue(format) ?? "onnx";
            string destination = parsed.GetValue(output) ?? Path.ChangeExtension(modelPath, "." + kind);
            OutputFile.Check(destination, parsed.GetValue(overwrite), "give --overwrite", modelPath);
            var loaded = Sequential.Load(modelPath);
            switch (kind)
            {
                case "keras":
                    KerasExport.SaveKeras(loaded, destination);
                    _output.WriteLine($"Wrote {destination} (Keras {KerasExport.Keras3Version} .keras file, {loaded.Layers.Count} layers, input {Tensors.ShapeOps.Format([.. loaded.InputShape!])})");
                    break;
                case "h5":
                    KerasExport.SaveH5(loaded, destination);
                    _output.WriteLine($"Wrote {destination} (tf.keras {KerasExport.Keras2Version} HDF5 file, {loaded.Layers.Count} layers, input {Tensors.ShapeOps.Format([.. loaded.InputShape!])})");
                    break;
                default:
                    OnnxExport.Save(loaded, destination);
                    _output.WriteLine($"Wrote {destination} (ONNX opset {OnnxExport.Opset}, input 'input' {Tensors.ShapeOps.Format([.. loaded.InputShape!])}, channels-last)");
                    break;
            }
            return CommandLine.Success;
        });
        return command;
    }

    private Command EvaluateCommand()
    {
        var model = ModelArgument();
        var data = RequiredText("--data", DataForms, "A CSV holding the model's target column, an .npy or .npz array of inputs (with targets as the array 'y' of the .npz, or in --targets), or a Fashion-MNIST directory (its test images).");
        var targets = TargetsOption();
        var command = With(NewCommand("evaluate", "The loss and metrics on a CSV, NumPy arrays or an image set's test images.",
            "The loss and metrics on a CSV holding the model's target column (read as the model reads it: its columns by name, its categories encoded as in training), on NumPy arrays of the model's input shape, or on the test images of a Fashion-MNIST directory."),
            model, data, targets);
        command.SetAction(parsed =>
        {
            string modelPath = parsed.GetValue(model)!;
            _output.Write(ModelEvaluation.Run(Sequential.Load(modelPath), parsed.GetValue(data)!, modelPath, targetsPath: parsed.GetValue(targets)).ToText());
            return CommandLine.Success;
        });
        return command;
    }

    /// <summary>The forms of data the model commands take, as their help names them.</summary>
    private const string DataForms = "X.csv|X.npy|X.npz|IDX-DIRECTORY";

    private Option<string?> TargetsOption() =>
        Text("--targets", "Y.npy|Y.npz", "The targets of array inputs that lack them (the array 'y' of an .npz, or its first).", "the array 'y' of the --data .npz, or a CSV's target column");

    private Command PredictCommand()
    {
        var model = ModelArgument();
        var input = RequiredText("--input", "X.csv|X.npy|X.npz", "The rows to predict: a CSV (the model's feature columns, picked by name) or an .npy or .npz array of the model's input shape (the array 'x' of an .npz, or its first).");
        var output = Text("--output", "Y.csv|Y.npy|Y.npz", "The file to write: a CSV, an .npy array of the model's output shape, or an .npz (arrays 'y' and, with --mc-samples, 'y_std').", "CSV on standard output");
        var overwrite = Flag("--overwrite", "Replace an existing output file.");
        var samples = Positive("--mc-samples", "N", "Monte-Carlo dropout: N passes with dropout active, writing each output's mean and standard deviation (output_0, output_0_std, ...).", "none (one pass, dropout off)");
        var seed = Int("--seed", "S", "The seed of the Monte-Carlo passes' dropout masks (only with --mc-samples).", "0");
        var command = With(NewCommand("predict", "Write a model's outputs for every row of a CSV or NumPy array.",
            "Write the model's outputs for every row of X.csv (columns chosen by name when the model knows its feature names, categories encoded as in training) or of an .npy/.npz array, as CSV (output_0, output_1, ... with round-trip precision) or as an .npy/.npz array of the model's output shape; the same values as Sequential.Predict."),
            model, input, output, overwrite, samples, seed);
        command.SetAction(parsed =>
        {
            string modelPath = parsed.GetValue(model)!, inputPath = parsed.GetValue(input)!;
            string? outputPath = parsed.GetValue(output);
            int? mcSamples = parsed.GetValue(samples), mcSeed = parsed.GetValue(seed);
            if (mcSeed is not null && mcSamples is null) throw new UsageException("Option --seed of 'strata predict' only applies with --mc-samples.");
            if (mcSamples is not null && outputPath?.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) == true)
                throw new UsageException("An .npy file holds one array; with --mc-samples, write the mean and standard deviation to an .npz or a CSV.");
            if (outputPath is not null) OutputFile.Check(outputPath, parsed.GetValue(overwrite), "give --overwrite", inputPath, modelPath);
            var loaded = Sequential.Load(modelPath);
            var predictions = Predictions.Of(loaded, ModelRows.Read(loaded, inputPath).X, mcSamples, mcSeed ?? 0);
            if (outputPath is null) _output.Write(predictions.ToCsv());
            else
            {
                predictions.Save(outputPath);
                _output.WriteLine($"Wrote {predictions.Count} predictions to {outputPath}");
            }
            return CommandLine.Success;
        });
        return command;
    }

    private Command RecalibrateCommand()
    {
        var model = ModelArgument();
        var data = RequiredText("--data", DataForms, "The rows whose statistics the BatchNormalization layers take: a CSV, an .npy or .npz array of inputs, or a Fashion-MNIST directory (its training images, scored on its test images).");
        var targets = TargetsOption();
        var batches = Int("--batches", "N", "Use only the first N batches.", "every row");
        var batchSize = Int("--batch-size", "B", "Rows per batch.", 256);
        var output = Text("--output", "F.strata", "The model file to write.", "MODEL.recalibrated.strata beside MODEL.strata");
        var overwrite = Flag("--overwrite", "Replace an existing output file.");
        var allRows = Flag("--all-rows", "Use every row (every training image), even when the model's spec held some out for validation.");
        var command = With(NewCommand("recalibrate", "Recompute the BatchNormalization statistics from data (precise BN).",
            "Recompute every BatchNormalization layer's moving statistics from the data with the final weights (precise BN), into a new model file; MODEL stays as it was. When the data holds the training target and the model's spec split off validation rows, recalibrates on the training rows of that split and reports the validation loss before and after."),
            model, data, targets, batches, batchSize, output, overwrite, allRows);
        command.SetAction(parsed =>
        {
            string modelPath = parsed.GetValue(model)!, dataPath = parsed.GetValue(data)!;
            // The recalibrated model goes beside the original, which stays as it was.
            string destination = parsed.GetValue(output) ?? RecalibratedPath(modelPath);
            OutputFile.Check(destination, parsed.GetValue(overwrite), "give --overwrite", modelPath, dataPath, parsed.GetValue(targets));
            var loaded = Sequential.Load(modelPath);
            var report = ModelRecalibration.Run(loaded, dataPath,
                new RecalibrationOptions(parsed.GetValue(batches), parsed.GetValue(batchSize), parsed.GetValue(allRows), parsed.GetValue(targets)), modelPath);
            _output.Write(report.ToText(allRowsHint: "--all-rows uses every row"));
            loaded.Save(destination, loaded.Metadata);
            _output.WriteLine($"Wrote {destination}");
            return CommandLine.Success;
        });
        return command;
    }

    /// <summary>model.strata → model.recalibrated.strata, beside it.</summary>
    internal static string RecalibratedPath(string modelPath) =>
        Path.Combine(Path.GetDirectoryName(modelPath) ?? "", Path.GetFileNameWithoutExtension(modelPath) + ".recalibrated" + Path.GetExtension(modelPath));

    private static bool IsSpec(string path) => path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
}
