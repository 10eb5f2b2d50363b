using System.Globalization;
using System.Text;
using Strata.Formats;
using Strata.Models;
using Strata.Tensors;

namespace Strata.Reporting;

/// <summary>
/// A model's outputs for a set of rows, with their Monte-Carlo standard deviation when they are the
/// mean of several passes with dropout active; <see cref="ToCsv"/> writes them as `strata predict` does.
/// </summary>
public sealed record Predictions(Tensor Outputs, Tensor? StandardDeviation = null)
{
    /// <summary>The number of rows predicted.</summary>
    public int Count => Outputs.Dim(0);

    /// <summary>
    /// <paramref name="model"/>'s outputs for <paramref name="x"/>: <see cref="Sequential.Predict(Tensor, int)"/>, or with
    /// <paramref name="mcSamples"/> the mean and standard deviation of that many passes with the
    /// dropout family active (the same <paramref name="seed"/> gives the same values).
    /// </summary>
    public static Predictions Of(Sequential model, Tensor x, int? mcSamples = null, int seed = 0, int batchSize = 256)
    {
        if (mcSamples is not int samples) return new Predictions(model.Predict(x, batchSize: batchSize));
        var prediction = model.Predict(x, samples, seed, batchSize: batchSize);
        return new Predictions(prediction.Mean, prediction.StandardDeviation);
    }

    /// <summary>
    /// Writes the predictions to <paramref name="path"/>, atomically, in the form its extension names:
    /// <c>.npy</c>, the outputs as a float32 array of the model's output shape; <c>.npz</c>, the arrays "y"
    /// and, after Monte-Carlo passes, "y_std"; anything else, the CSV of <see cref="ToCsv"/>.
    /// </summary>
    public void Save(string path)
    {
        string extension = Path.GetExtension(path);
        if (extension.Equals(".npy", StringComparison.OrdinalIgnoreCase))
        {
            if (StandardDeviation is not null)
                throw new ArgumentException($"An .npy file holds one array, not the Monte-Carlo mean and standard deviation; write '{path}' as an .npz.", nameof(path));
            NumpyFile.Write(path, Outputs);
        }
        else if (extension.Equals(".npz", StringComparison.OrdinalIgnoreCase))
            NumpyFile.WriteArchive(path, StandardDeviation is { } std ? [new("y", Outputs), new("y_std", std)] : [new("y", Outputs)]);
        else AtomicFile.WriteAllText(path, ToCsv());
    }

    /// <summary>
    /// A header (output_0, output_1, ..., each followed by output_i_std with a deviation) and one line
    /// per row, every value with round-trip precision, so parsing the file gives the outputs bit for bit.
    /// </summary>
    public string ToCsv()
    {
        int width = Outputs.Size / Outputs.Dim(0);
        var deviation = StandardDeviation;
        var sb = new StringBuilder();
        sb.AppendJoin(',', Enumerable.Range(0, width).SelectMany(i => deviation is null ? [$"output_{i}"] : new[] { $"output_{i}", $"output_{i}_std" })).Append('\n');
        for (int r = 0; r < Outputs.Dim(0); r++)
        {
            for (int j = 0; j < width; j++)
            {
                if (j > 0) sb.Append(',');
                sb.Append(Outputs.Data[r * width + j].ToString("R", CultureInfo.InvariantCulture));
                if (deviation is not null) sb.Append(',').Append(deviation.Data[r * width + j].ToString("R", CultureInfo.InvariantCulture));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
