using System.Diagnostics.CodeAnalysis;

namespace Strata.Layers;

/// <summary>
/// Read-only copies of the integer lists layers and configs hand out (shapes, axes, window sizes), so
/// no caller can change a built layer through a list it was given or gave.
/// </summary>
internal static class ReadOnlyInts
{
    /// <summary>A read-only view of <paramref name="values"/>, which the caller keeps and never changes.</summary>
    public static IReadOnlyList<int> View(int[] values) => Array.AsReadOnly(values);

    /// <summary>A read-only copy of <paramref name="values"/>; null stays null.</summary>
    [return: NotNullIfNotNull(nameof(values))]
    public static IReadOnlyList<int>? Copy(IReadOnlyList<int>? values) => values is null ? null : Array.AsReadOnly(values.ToArray());

    /// <summary>A read-only copy of <paramref name="values"/> in which one value stands for all <paramref name="rank"/> axes, as Keras reads kernel_size: 3.</summary>
    [return: NotNullIfNotNull(nameof(values))]
    public static IReadOnlyList<int>? Spread(IReadOnlyList<int>? values, int rank) =>
        values is [int one] ? View(Enumerable.Repeat(one, rank).ToArray()) : Copy(values);
}
