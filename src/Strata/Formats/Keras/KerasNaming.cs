using System.Text.RegularExpressions;

namespace Strata.Formats.Keras;

/// <summary>
/// How Keras 3 names the groups of a model.weights.h5: not by the layers' own names but by the
/// snake_case of their class, numbered per class in layer order (saving_lib's naming).
/// </summary>
public static partial class KerasNaming
{
    /// <summary>
    /// Keras's naming.to_snake_case of a class name: LeakyReLU → leaky_re_lu, Conv2D → conv2d,
    /// BatchNormalization → batch_normalization.
    /// </summary>
    public static string SnakeCase(string className)
    {
        ArgumentNullException.ThrowIfNull(className);
        string name = NonWord().Replace(className, "");
        name = CapitalizedWord().Replace(name, "$1_$2");
        name = LowerThenUpper().Replace(name, "$1_$2");
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
            if (className == "InputLayer") continue;
            string name = SnakeCase(className);
            // The first of a class keeps the bare name; later ones get _1, _2, ... as Keras's saving_lib numbers them.
            if (used.TryGetValue(name, out int count))
            {
                used[name] = count + 1;
                name = $"{name}_{count + 1}";
            }
            else used[name] = 0;
            paths.Add("layers/" + name);
        }
        return paths;
    }

    [GeneratedRegex(@"\W+")]
    private static partial Regex NonWord();

    [GeneratedRegex("(.)([A-Z][a-z]+)")]
    private static partial Regex CapitalizedWord();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex LowerThenUpper();
}
