using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata;

/// <summary>
/// Typed reads of JSON read from files, each failing with a <see cref="StrataException"/> that names
/// the key and the place, so a damaged file is an error about the file rather than a null dereference.
/// </summary>
internal static class JsonField
{
    /// <summary>The value at <paramref name="key"/> as <typeparamref name="T"/>; an error naming both when it is missing or of another type.</summary>
    public static T Required<T>(JsonObject obj, string key, string where) =>
        TryGet<T>(obj[key], out var value) ? value : throw new StrataException($"{where}: \"{key}\" is missing or is not {Kind<T>()}.");

    /// <summary>The array at <paramref name="key"/>; an error when it is missing or not an array.</summary>
    public static JsonArray Array(JsonObject obj, string key, string where) =>
        obj[key] as JsonArray ?? throw new StrataException($"{where}: \"{key}\" is missing or is not a list.");

    /// <summary>The elements of <paramref name="array"/> as <typeparamref name="T"/>; an error naming the first that is not.</summary>
    public static T[] Elements<T>(JsonArray array, string what, string where) =>
        array.Select((node, i) => TryGet<T>(node, out var value) ? value : throw new StrataException($"{where}: item {i} of {what} is not {Kind<T>()}.")).ToArray();

    private static bool TryGet<T>(JsonNode? node, out T value)
    {
        value = default!;
        if (node is not JsonValue v) return false;
        try
        {
            return v.TryGetValue(out value!);
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidOperationException or JsonException)
        {
            return false;
        }
    }

    private static string Kind<T>() => typeof(T) == typeof(string) ? "a string" : typeof(T) == typeof(bool) ? "true or false" : "a number";
}
