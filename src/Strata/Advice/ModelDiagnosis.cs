using System.Text.Json.Nodes;
using Strata.Runs;
using Strata.Models;
using Strata.Tensors;

namespace Strata.Advice;

/// <summary>
/// A <see cref="Diagnosis"/> of a model on rows it chose as `strata diagnose` does, and which rows
/// those were (<see cref="Described"/>, "the first 300 of the training rows of 'red-wine'").
/// </summary>
public sealed record ModelDiagnosis(DiagnosisReport Report, string Described)
{
    /// <summary>The report as a table (<see cref="DiagnosisText.ToText"/>).</summary>
    public string ToText() => DiagnosisText.ToText(Report, Described);

    /// <summary>The report as JSON (<see cref="DiagnosisText.ToJson"/>).</summary>
    public JsonObject ToJson() => DiagnosisText.ToJson(Report);

    /// <summary>
    /// Measures <paramref name="model"/> on the rows of <paramref name="dataPath"/> (any form
    /// <see cref="ModelRows.Read"/> takes, scored on its targets when it has them; on an IDX directory its
    /// training images, scored on its test images, see <see cref="ImageRows.Read"/>) or, without one, on the training rows
    /// of <paramref name="spec"/> or of the spec the model's file records (scored on its validation
    /// rows); at most the first <paramref name="rows"/> of them.
    /// </summary>
    /// <param name="model">The trained model; it is not changed.</param>
    /// <param name="dataPath">A CSV, an .npy or .npz array or an IDX directory to measure on, or null.</param>
    /// <param name="spec">The spec whose training rows to use when there is no <paramref name="dataPath"/>; null: the model's own.</param>
    /// <param name="data">The spec's data when already read.</param>
    /// <param name="rows">The most rows measured.</param>
    /// <param name="batchSize">Rows per forward pass.</param>
    /// <param name="seed">The seed of the dropout noise in the training-mode passes.</param>
    /// <param name="modelName">The model file, for error messages.</param>
    /// <param name="targetsPath">An .npy or .npz holding the targets of array inputs that lack them.</param>
    public static ModelDiagnosis Run(Sequential model, string? dataPath = null, TrainingSpec? spec = null, SpecData? data = null,
        int rows = 10000, int batchSize = 256, int seed = 0, string modelName = "the model", string? targetsPath = null)
    {
        if (rows < 1 || batchSize < 1) throw new StrataException($"The diagnosis needs a positive number of rows and batch size. Received: {rows}, {batchSize}");
        Tensor x;
        (Tensor X, Tensor Y)? evaluation = null;
        string described;
        if (dataPath is not null && Directory.Exists(dataPath))
        {
            ImageRows.RefuseTargets(dataPath, targetsPath);
            var images = ImageRows.Read(model, dataPath);
            (x, evaluation, described) = (images.TrainX, (images.TestX, images.TestY), images.Described);
        }
        else if (dataPath is not null)
        {
            var read = ModelRows.Read(model, dataPath, targetsPath);
            x = read.X;
            if (read.Y is { } y) evaluation = (x, y);
            described = read.Description;
        }
        else
        {
            spec ??= TrainingMetadata.Of(model)?.Spec
                ?? throw new StrataException($"{modelName}: the model does not say where its data is; give a data file or a spec.");
            data ??= SpecData.Load(spec);
            x = data.TrainX;
            evaluation = data.Validation;
            described = $"the training rows of '{spec.Name}'";
        }
        if (x.Dim(0) > rows) { x = x.SliceRows(0, rows); described = $"the first {rows} of {described}"; }
        return new ModelDiagnosis(Diagnosis.Run(model, x, evaluation, batchSize, seed), described);
    }

    /// <summary>
    /// Trains <paramref name="spec"/> (into <paramref name="outputDirectory"/>, or a temporary folder
    /// removed afterwards) and measures the trained model as <see cref="Run"/> does.
    /// <paramref name="progress"/>, when given, gets one line before training.
    /// </summary>
    public static ModelDiagnosis TrainAndRun(TrainingSpec spec, string? outputDirectory = null, string? dataPath = null,
        int rows = 10000, int batchSize = 256, int seed = 0, TextWriter? progress = null, string? targetsPath = null)
    {
        var data = SpecData.Load(spec);
        // Without a folder the run that is only measured lives in a temporary one, never over a run of the user's.
        string directory = outputDirectory ?? Directory.CreateTempSubdirectory("strata-diagnose-").FullName;
        Sequential model;
        try
        {
            progress?.WriteLine($"Training '{spec.Name}' for {spec.Epochs} epochs (seed {spec.Seed}){(outputDirectory is null ? "" : $" into {directory}")}, then measuring it");
            model = TrainingRun.Execute(spec, directory, data: data).Model;
        }
        finally
        {
            if (outputDirectory is null) Directory.Delete(directory, recursive: true);
        }
        return Run(model, dataPath, spec, data, rows, batchSize, seed, spec.SpecPath, targetsPath);
    }
}
