using System.Text.RegularExpressions;

namespace Strata.Formats.Keras;

/// <summary>
/// How Keras 3 names the weight groups of a <c>.keras</c> file: by class, not by layer name, so
/// the same model always gives the same groups (saving_lib's <c>_save_container_state</c>).
/// </summary>
public static partial class KerasNaming
{
    /// <summary>
    /// Keras's <c>naming.to_snake_case</c> of a class name: LeakyReLU → leaky_re_lu, Conv2D → conv2d,
    /// BatchNormalization → batch_normalization.
    /// </summary>
    public static string SnakeCase(string className)
    {
        ArgumentNullException.ThrowIfNull(className);
        // The same three substitutions, in the same order, as Keras's regular expressions.
        string name = NonWord().Replace(className, "");
        name = WordStart().Replace(name, "$1_$2");
        name = LowerUpper().Replace(name, "$1_$2");
        return name.ToLowerInvariant();
    }

    /// <summary>
    /// The weight-file group of each layer in order, Keras 3 style: "layers/dense", "layers/dense_1",
    /// "layers/batch_normalization", ... (numbered per class; the InputLayer is not listed).
    /// </summary>
    public static IReadOnlyList<string> Keras3LayerPaths(IEnumerable<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        var paths = new List<string>();
        foreach (string className in classNames)
        {
            // Keras 3's Sequential.layers leaves its InputLayer out, so it owns no group.
            if (className == "InputLayer") continue;
            string name = SnakeCase(className);
            // The first of a class keeps the bare name; later ones count up from 1.
            if (used.TryGetValue(name, out int count))
            {
                used[name] = ++count;
                name = $"{name}_{count}";
            }
            else used[name] = 0;
            paths.Add($"layers/{name}");
        }
        return paths;
    }

    [GeneratedRegex(@"\W+")]
    private static partial Regex NonWord();

    [GeneratedRegex("(.)([A-Z][a-z]+)")]
    private static partial Regex WordStart();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex LowerUpper();
}
