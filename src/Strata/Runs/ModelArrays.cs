using Strata.Formats;
using Strata.Models;
using Strata.Tensors;

namespace Strata.Runs;

/// <summary>
/// A model's inputs and targets from NumPy files, as Keras users hand them to <c>model.predict(x)</c> and
/// <c>model.evaluate(x, y)</c>: the inputs are the array "x" of an .npz (or its first array, or the array of
/// an .npy) with the model's whole input shape; the targets come from a separate file, or from the array
/// "y" of the same .npz. Values are taken as they are (uint8 images are not scaled).
/// </summary>
internal static class ModelArrays
{
    public static ModelRows Read(Sequential model, string path, string? targetsPath)
    {
        var arrays = NumpyFile.ReadArrays(path);
        var inputs = arrays.FirstOrDefault(a => a.Key == "x");
        if (inputs.Value is null) inputs = arrays[0];
        bool archive = arrays.Count > 1 || Path.GetFileNameWithoutExtension(path) != inputs.Key;
        string described = archive ? $"'{inputs.Key}' in {path}" : path;
        var x = inputs.Value;
        RequireInputShape(model, x, described);
        Tensor? y = null;
        if (targetsPath is not null) y = Targets(targetsPath, x.Dim(0), described);
        else if (arrays.FirstOrDefault(a => a.Key == "y" && a.Key != inputs.Key).Value is { } held) y = Targets(held, $"'y' in {path}", x.Dim(0), described);
        return new ModelRows(x, y, $"the {x.Dim(0)} rows of {described}");
    }

    /// <summary>The targets of a separate file: its array "y", or its first array.</summary>
    public static Tensor Targets(string path, int rows, string inputs)
    {
        var arrays = NumpyFile.ReadArrays(path);
        var targets = arrays.FirstOrDefault(a => a.Key == "y");
        if (targets.Value is null) targets = arrays[0];
        return Targets(targets.Value, arrays.Count > 1 ? $"'{targets.Key}' in {path}" : path, rows, inputs);
    }

    /// <summary>One target row per input row; a vector of N targets is the column [N, 1] Keras makes of it.</summary>
    private static Tensor Targets(Tensor y, string described, int rows, string inputs)
    {
        if (y.Rank == 0 || y.Dim(0) != rows)
            throw new StrataException($"{described}: the targets have shape {ShapeOps.Format(y.Shape)}, but {inputs} holds {rows} input rows; the first axis must match.");
        return y.Rank == 1 ? y.Reshape(rows, 1) : y;
    }

    /// <summary>The array must be a batch of the model's input shape: every axis after the first as the model declares it.</summary>
    private static void RequireInputShape(Sequential model, Tensor x, string described)
    {
        if (model.InputShape is not { } expected) return;
        if (x.Rank == expected.Count && x.Shape[1..].SequenceEqual([.. expected.Skip(1)])) return;
        string rows = x.Rank == 0 ? "a single value, not rows of inputs" : $"rows of shape {ShapeOps.Format(x.Shape[1..])}";
        throw new StrataException($"{described}: the model expects inputs of shape {ShapeOps.Format([.. expected.Skip(1)])} (batches of {ShapeOps.Format([.. expected])}); the array has shape {ShapeOps.Format(x.Shape)}, {rows}.");
    }
}
