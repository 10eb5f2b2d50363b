using Strata.Formats;
using Strata.Layers;
using Strata.Models;
using Strata.Tensors;

namespace Strata.Runs;

/// <summary>
/// Starts a run from the weights of a model file (.strata, or a Keras .h5/.keras) to fine-tune it.
/// The spec's model must have the same layers with weights, in order, of the same classes and shapes;
/// the layer names may differ (Keras numbers them dense_10, dense_11, ...). A layer the file marks
/// trainable: false stays frozen, and a frozen BatchNormalization runs in inference mode, as Keras fine-tunes.
/// </summary>
public static class InitialWeights
{
    /// <summary>Copies the weights of the model in <paramref name="path"/> into <paramref name="model"/> (built), layer by layer.</summary>
    /// <exception cref="StrataException">The file cannot be read, or its layers do not match the model's; the message names the first difference.</exception>
    public static void Apply(Sequential model, string path)
    {
        var source = Sequential.Load(path);
        var from = WithWeights(source);
        var to = WithWeights(model);
        for (int i = 0; i < Math.Max(from.Count, to.Count); i++)
        {
            if (i >= from.Count || i >= to.Count)
                throw new StrataException($"{path}: the file has {from.Count} layers with weights, the spec's model {to.Count}; --initial-weights needs the same layers.");
            var (a, b) = (from[i], to[i]);
            if (a.ClassName != b.ClassName)
                throw new StrataException($"{path}: layer '{a.Name}' ({a.ClassName}) of the file stands where the spec's model has '{b.Name}' ({b.ClassName}).");
            var (va, vb) = (a.Variables.ToList(), b.Variables.ToList());
            for (int k = 0; k < Math.Max(va.Count, vb.Count); k++)
                if (k >= va.Count || k >= vb.Count || !va[k].Value.Shape.SequenceEqual(vb[k].Value.Shape))
                    throw new StrataException($"{path}: layer '{a.Name}' has weights {Shapes(va)} in the file; the spec's layer '{b.Name}' needs {Shapes(vb)}.");
        }
        // Copied only once every layer matched: a refused file leaves the model as it was.
        for (int i = 0; i < from.Count; i++)
        {
            foreach (var (a, b) in from[i].Variables.Zip(to[i].Variables)) b.Value.CopyFrom(a.Value);
            if (!from[i].Trainable) to[i].Trainable = false;
        }
    }

    private static List<Layer> WithWeights(Sequential model) => model.Layers.Where(l => l.Variables.Any()).ToList();

    private static string Shapes(List<Autodiff.Variable> variables) =>
        string.Join(", ", variables.Select(v => $"{v.Name} {ShapeOps.Format(v.Value.Shape)}"));
}
