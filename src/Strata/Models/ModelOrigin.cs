namespace Strata.Models;

/// <summary>
/// Where a loaded model came from: the file format ("strata", "keras-h5" for Keras 1/2 and tf.keras
/// legacy HDF5, "keras-v3" for the Keras 3 zip), the Keras version and backend that wrote it when the
/// file says, and what the reader left out (an optimizer state, a training config).
/// </summary>
/// <param name="Format">The file format.</param>
/// <param name="KerasVersion">The keras_version the file records; null when it records none (Keras 1).</param>
/// <param name="Backend">The backend the file records (tensorflow, jax, ...); null when it records none.</param>
/// <param name="Ignored">What the file holds that the model does not take, one short phrase each.</param>
public sealed record ModelOrigin(string Format, string? KerasVersion, string? Backend, IReadOnlyList<string> Ignored)
{
    /// <summary>One line for a summary: "Keras HDF5 file (Keras 2.1.3, tensorflow backend); ignored: training_config".</summary>
    public string Describe()
    {
        string format = Format switch
        {
            "keras-h5" => "Keras legacy HDF5 file",
            "keras-v3" => "Keras 3 .keras file",
            "strata" => "Strata model file",
            _ => Format,
        };
        var details = new List<string>();
        if (KerasVersion is not null) details.Add($"Keras {KerasVersion}");
        if (Backend is not null) details.Add($"{Backend} backend");
        string text = details.Count > 0 ? $"{format} ({string.Join(", ", details)})" : format;
        return Ignored.Count > 0 ? $"{text}; not loaded: {string.Join(", ", Ignored)}" : text;
    }
}
