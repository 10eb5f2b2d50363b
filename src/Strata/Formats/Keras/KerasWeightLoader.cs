using Strata.Autodiff;
using Strata.Layers;
using Strata.Models;
using Strata.Tensors;

namespace Strata.Formats.Keras;

/// <summary>
/// Puts the weights read from a Keras file into the layers of a model built from its config: by name
/// where the file names them (Keras 2 kernel:0, Keras 1 _W, _running_std, ...), by position where it
/// does not (Keras 3 vars/0, vars/1), every shape checked before anything is copied.
/// </summary>
internal static class KerasWeightLoader
{
    // Keras 1 suffixes and their Keras 2 names; Keras 1's running_std held the moving variance despite its name.
    private static readonly Dictionary<string, string> Keras1Names = new(StringComparer.Ordinal)
    {
        ["W"] = "kernel",
        ["b"] = "bias",
        ["running_mean"] = "moving_mean",
        ["running_std"] = "moving_variance",
        ["alphas"] = "alpha",
    };

    /// <summary>Assigns every layer's weights; a missing, extra or misshapen weight is an error naming the layer and weight.</summary>
    public static void Assign(Sequential model, KerasModelParts parts)
    {
        var plan = new List<(Variable Variable, KerasWeight Weight)>();
        foreach (var layer in model.Layers)
        {
            var variables = layer.Variables.ToList();
            if (!parts.Weights.TryGetValue(layer.Name, out var weights))
            {
                if (variables.Count == 0) continue;
                throw new StrataException($"the file holds no weights for layer '{layer.Name}' ({layer.ClassName}, needs {string.Join(", ", variables.Select(v => v.Name))}).");
            }
            plan.AddRange(Match(layer, variables, WithoutVestigial(layer, variables.Count, weights, parts.NamedWeights), parts.NamedWeights));
        }
        foreach (var (variable, weight) in plan)
            if (!weight.Shape.SequenceEqual(variable.Value.Shape))
                throw new StrataException($"weight '{variable.Path}' ({weight.Name} in the file) has shape {ShapeOps.Format(weight.Shape)} but the config needs {ShapeOps.Format(variable.Value.Shape)}.");
        // Copied only once everything fits: a refused file leaves nothing half-loaded.
        foreach (var (variable, weight) in plan) weight.Data.CopyTo(variable.Value.Data, 0);
    }

    private static IEnumerable<(Variable, KerasWeight)> Match(Layer layer, List<Variable> variables, IReadOnlyList<KerasWeight> weights, bool named)
    {
        if (named)
        {
            var byName = new Dictionary<string, KerasWeight>(StringComparer.Ordinal);
            foreach (var w in weights) byName.TryAdd(KerasWeights.StrataName(layer.ClassName, CanonicalName(w.Name, layer.Name)), w);
            // Names decide when every variable finds its own; otherwise the file's order does, as Keras loads.
            if (weights.Count == variables.Count && byName.Count == weights.Count && variables.All(v => byName.ContainsKey(v.Name)))
                return variables.Select(v => (v, byName[v.Name]));
            if (weights.Count < variables.Count)
            {
                var missing = variables.FirstOrDefault(v => !byName.ContainsKey(v.Name)) ?? variables[weights.Count];
                throw new StrataException($"layer '{layer.Name}' ({layer.ClassName}) has no weight '{missing.Name}' in the file (it holds {Names(weights)}).");
            }
        }
        if (weights.Count < variables.Count)
            throw new StrataException($"layer '{layer.Name}' ({layer.ClassName}) needs {variables.Count} weights ({string.Join(", ", variables.Select(v => v.Name))}); the file holds {weights.Count} ({Names(weights)}).");
        if (weights.Count > variables.Count) throw Extra(layer, variables, weights);
        return variables.Zip(weights);
    }

    /// <summary>
    /// The file's weights less Keras's bookkeeping ones (Normalization's count): by name where the file
    /// names them, else the trailing ones when the file holds exactly the layer's own plus those.
    /// </summary>
    private static IReadOnlyList<KerasWeight> WithoutVestigial(Layer layer, int own, IReadOnlyList<KerasWeight> weights, bool named)
    {
        if (named) return weights.Where(w => !KerasWeights.IsVestigial(layer.ClassName, CanonicalName(w.Name, layer.Name))).ToList();
        int extra = KerasWeights.VestigialCount(layer.ClassName);
        return extra > 0 && weights.Count == own + extra ? weights.Take(own).ToList() : weights;
    }

    private static StrataException Extra(Layer layer, List<Variable> variables, IReadOnlyList<KerasWeight> weights) =>
        new($"layer '{layer.Name}' ({layer.ClassName}) has {weights.Count} weights in the file ({Names(weights)}); the config makes {variables.Count} ({string.Join(", ", variables.Select(v => v.Name))}).");

    private static string Names(IReadOnlyList<KerasWeight> weights) => weights.Count == 0 ? "none" : string.Join(", ", weights.Select(w => w.Name));

    /// <summary>
    /// The Keras 2 variable name a weight path stands for: "dense_1/kernel:0" → kernel,
    /// Keras 1's "dense_1_W:0" → kernel, "batch_normalization_1_running_std:0" → moving_variance.
    /// </summary>
    internal static string CanonicalName(string weightPath, string layerName)
    {
        string name = weightPath[(weightPath.LastIndexOf('/') + 1)..];
        int colon = name.LastIndexOf(':');
        if (colon > 0) name = name[..colon];
        if (name.StartsWith(layerName + "_", StringComparison.Ordinal))
        {
            string suffix = name[(layerName.Length + 1)..];
            return Keras1Names.GetValueOrDefault(suffix, suffix);
        }
        return name;
    }
}
