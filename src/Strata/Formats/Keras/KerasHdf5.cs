using System.Text;
using PureHDF;
using PureHDF.VOL.Native;

namespace Strata.Formats.Keras;

/// <summary>
/// The few HDF5 reads a Keras file needs, over PureHDF, each checked before it allocates: string
/// attributes (fixed- or variable-length, the way different h5py versions write them), name lists
/// (an empty float array for a weightless layer), and float datasets.
/// </summary>
internal static class KerasHdf5
{
    /// <summary>Opens HDF5 bytes held in memory; a file that is not HDF5 gives a one-line error.</summary>
    public static NativeFile Open(byte[] bytes, string where)
    {
        try
        {
            return H5File.Open(new MemoryStream(bytes, writable: false), leaveOpen: false);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw Damaged(where, e);
        }
    }

    /// <summary>
    /// Whether an exception from PureHDF means a damaged file: anything but our own errors. That includes an
    /// OutOfMemoryException, since PureHDF allocates a buffer of whatever length a damaged header states
    /// ("Array dimensions exceeded supported range") before finding the bytes are not there; the datasets'
    /// sizes are checked against the file before they are read.
    /// </summary>
    public static bool IsReadFailure(Exception e) => e is not StrataException;

    /// <summary>The one-line error for HDF5 structures PureHDF could not read.</summary>
    public static StrataException Damaged(string where, Exception e) =>
        new($"{where}: the HDF5 file is damaged or truncated ({e.GetType().Name}: {FirstLine(e.Message)}).", e);

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>A string attribute, or null when the object has none.</summary>
    public static string? StringAttribute(IH5Object obj, string name, string where)
    {
        if (!obj.AttributeExists(name)) return null;
        var attribute = obj.Attribute(name);
        if (attribute.Type.Class != H5DataTypeClass.String && attribute.Type.Class != H5DataTypeClass.VariableLength)
            throw new StrataException($"{where}: attribute '{name}' is not a string.");
        return attribute.Space.Rank == 0 ? attribute.Read<string>() : attribute.Read<string[]>().FirstOrDefault();
    }

    /// <summary>
    /// A list of names (layer_names, weight_names): a string array, or an empty list where Keras wrote an
    /// empty float array for a layer without weights; null when the attribute is absent.
    /// </summary>
    public static IReadOnlyList<string>? NameList(IH5Object obj, string name, string where)
    {
        if (!obj.AttributeExists(name)) return null;
        var attribute = obj.Attribute(name);
        if (attribute.Type.Class is H5DataTypeClass.String or H5DataTypeClass.VariableLength)
            return attribute.Space.Rank == 0 ? [attribute.Read<string>()] : attribute.Read<string[]>().Select(s => s.TrimEnd('\0')).ToArray();
        if (attribute.Space.Dimensions.Aggregate(1UL, (a, d) => a * d) == 0) return [];
        throw new StrataException($"{where}: attribute '{name}' is not a list of names.");
    }

    /// <summary>
    /// A float or int64 dataset as float32 (float64 narrowed, as Keras loads it into float32 variables), after
    /// checking that its declared size fits in the file, so a damaged header cannot make us allocate gigabytes.
    /// </summary>
    public static KerasWeight Dataset(IH5Dataset dataset, string name, long fileBytes, string where)
    {
        var type = dataset.Type;
        // Keras keeps some bookkeeping variables as int64 (Normalization's count), which read as floats here.
        bool int64 = type.Class == H5DataTypeClass.FixedPoint && type.Size == 8;
        if (!int64 && (type.Class != H5DataTypeClass.FloatingPoint || type.Size is not (4 or 8)))
            throw new StrataException($"{where}: weight '{name}' is not a float32, float64 or int64 array ({type.Class}, {type.Size} bytes).");
        ulong[] dims = dataset.Space.Dimensions;
        if (dims.Length > 8) throw new StrataException($"{where}: weight '{name}' has rank {dims.Length}.");
        double count = dims.Aggregate(1.0, (a, d) => a * d);
        if (count * type.Size > fileBytes)
            throw new StrataException($"{where}: weight '{name}' declares {count:0} values, more than the {fileBytes}-byte file holds.");
        int[] shape = dims.Select(d => (int)d).ToArray();
        float[] data = int64 ? Array.ConvertAll(dataset.Read<long[]>(), v => (float)v)
            : type.Size == 4 ? dataset.Read<float[]>()
            : Array.ConvertAll(dataset.Read<double[]>(), d => (float)d);
        if (data.Length != (long)count) throw new StrataException($"{where}: weight '{name}' holds {data.Length} values for shape ({string.Join(", ", shape)}).");
        return new KerasWeight(name, shape, data);
    }

    /// <summary>
    /// The child at <paramref name="segments"/>, also where a writer on Windows joined them with a
    /// backslash into one literal name ("layers\dense"); null when none exists.
    /// </summary>
    public static IH5Object? Find(IH5Group root, IReadOnlyList<string> segments)
    {
        // Every way of joining the segments with '/' (nested groups) or '\' (one name).
        int joins = segments.Count - 1;
        for (int mask = 0; mask < 1 << joins; mask++)
        {
            var path = new StringBuilder(segments[0]);
            for (int i = 0; i < joins; i++) path.Append((mask >> i & 1) == 0 ? '/' : '\\').Append(segments[i + 1]);
            if (Exists(root, path.ToString()) is { } found) return found;
        }
        return null;
    }

    private static IH5Object? Exists(IH5Group root, string path)
    {
        IH5Group group = root;
        var parts = path.Split('/');
        for (int i = 0; i < parts.Length; i++)
        {
            if (!group.LinkExists(parts[i])) return null;
            var child = group.Get(parts[i]);
            if (i == parts.Length - 1) return child;
            if (child is not IH5Group g) return null;
            group = g;
        }
        return group;
    }
}

/// <summary>One weight read from a Keras file: its name there, its shape and its values.</summary>
internal sealed record KerasWeight(string Name, int[] Shape, float[] Data);
