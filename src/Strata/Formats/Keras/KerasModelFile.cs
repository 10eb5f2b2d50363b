using Strata.Layers;
using Strata.Models;

namespace Strata.Formats.Keras;

/// <summary>
/// Opens the model files Keras users have: legacy HDF5 (.h5 from Keras 1 and 2 and tf.keras, also when
/// named .keras) and the Keras 3 .keras zip, told apart by their first bytes, never by the extension.
/// The model comes back as a built <see cref="Sequential"/> holding the file's weights, with
/// <see cref="Sequential.Origin"/> saying what wrote it.
/// </summary>
public static class KerasModelFile
{
    private const long MaxFileBytes = 2L << 30;
    private static readonly byte[] Hdf5Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] ZipSignature = [(byte)'P', (byte)'K', 3, 4];

    /// <summary>Whether the file at <paramref name="path"/> starts like an HDF5 file (a legacy Keras model).</summary>
    public static bool IsHdf5(string path) => Head(path).StartsWith(Hdf5Signature);

    /// <summary>
    /// Whether the zip at <paramref name="path"/> is a Keras 3 model (it holds model.weights.h5) rather than
    /// a .strata file (which holds model.safetensors); false for anything that is not a zip.
    /// </summary>
    public static bool IsKerasZip(string path) => Head(path).StartsWith(ZipSignature) && IsKerasArchive(path);

    /// <summary>Whether the file at <paramref name="path"/> is a Keras model file of either layout; its first bytes are read once.</summary>
    public static bool IsKerasFile(string path)
    {
        if (!File.Exists(path)) return false;
        var head = Head(path);
        return head.StartsWith(Hdf5Signature) || (head.StartsWith(ZipSignature) && IsKerasArchive(path));
    }

    /// <summary>Whether a zip holds a Keras 3 model rather than a .strata file.</summary>
    private static bool IsKerasArchive(string path)
    {
        try
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(path);
            if (zip.GetEntry("model.safetensors") is not null) return false;
            if (zip.GetEntry("model.weights.h5") is not null) return true;
            // Without either weights entry, the metadata tells whose file it was meant to be.
            return zip.GetEntry("metadata.json") is { Length: < 1 << 16 } metadata
                && new StreamReader(metadata.Open()).ReadToEnd().Contains("\"keras_version\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return false;
        }
    }

    /// <summary>Loads a Keras model file as a built, uncompiled <see cref="Sequential"/> with its weights.</summary>
    /// <exception cref="StrataException">The file is not a Keras model, is damaged, or describes a model Strata cannot run; the message names the file and the layer or weight.</exception>
    public static Sequential Load(string path)
    {
        InputFile.Require(path, "Model file");
        if (new FileInfo(path).Length > MaxFileBytes) throw new StrataException($"{path}: the model file is implausibly large.");
        byte[] bytes = File.ReadAllBytes(path);
        return ModelFile.Reading(path, () =>
        {
            KerasModelParts parts;
            if (bytes.AsSpan().StartsWith(Hdf5Signature)) parts = KerasH5Reader.Read(bytes, path);
            else if (bytes.AsSpan().StartsWith(ZipSignature)) parts = KerasZipReader.Read(bytes, path);
            else throw new StrataException($"{path}: not a Keras model file (it starts neither like HDF5 nor like a zip).");
            // The file's size bounds what its config may allocate, yet leaves room for a weight the file lacks to be named as missing.
            var model = ModelFile.FromConfigWithin(parts.Config, bytes.LongLength, seed: 0);
            if (!model.IsBuilt) throw new StrataException("the config does not give the input shape (no InputLayer, no batch_input_shape on the first layer).");
            KerasWeightLoader.Assign(model, parts);
            model.Origin = parts.Origin;
            return model;
        });
    }

    /// <summary>The file's first bytes (as many as the longest signature, fewer in a shorter file); none when it cannot be read.</summary>
    private static ReadOnlySpan<byte> Head(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var head = new byte[Hdf5Signature.Length];
            return head.AsSpan(0, stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
