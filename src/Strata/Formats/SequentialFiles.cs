using System.Text.Json.Nodes;
using Strata.Models;

namespace Strata.Formats;

/// <summary>
/// Keras's <c>save</c>, <c>load_model</c>, <c>save_weights</c> and <c>load_weights</c> on a
/// <see cref="Sequential"/>. They live beside the file format rather than in the model so that a
/// model knows nothing of files; <c>using Strata.Formats;</c> brings them in.
/// </summary>
public static class SequentialFiles
{
    extension(Sequential model)
    {
        /// <summary>Writes the model file (see <see cref="ModelFile"/>); the write is atomic.</summary>
        public void Save(string path, JsonObject? metadata = null) => ModelFile.Save(model, path, metadata);

        /// <summary>Loads the variables from a safetensors file named by variable path (Keras's load_weights).</summary>
        public void LoadWeights(string path) => ModelFile.LoadWeights(model, path);

        /// <summary>Writes the variables to a safetensors file named by variable path (Keras's save_weights).</summary>
        public void SaveWeights(string path) => ModelFile.SaveWeights(model, path);
    }

    extension(Sequential)
    {
        /// <summary>Reads a model file written by <c>Save</c>, compiled again when it was saved compiled (Keras's load_model).</summary>
        public static Sequential Load(string path) => ModelFile.Load(path);
    }
}
