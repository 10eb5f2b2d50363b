using System.Globalization;
using System.Text.Json.Nodes;
using Strata.Autodiff;

namespace Strata.Layers.Regularizers;

/// <summary>
/// A weight penalty added to the loss, with Keras's names and defaults:
/// L1(l1 = 0.01): l1·Σ|w|; L2(l2 = 0.01): l2·Σw² (no ½, as Keras); L1L2(l1 = 0, l2 = 0): both.
/// PyTorch's <c>weight_decay</c> λ in SGD equals L2 with l2 = λ/2.
/// </summary>
public sealed class Regularizer
{
    private Regularizer(string className, double l1, double l2)
    {
        if (!(l1 >= 0) || !(l2 >= 0) || double.IsInfinity(l1) || double.IsInfinity(l2))
            throw new StrataException($"Regularization factors must be finite and non-negative. Received: l1={l1}, l2={l2}");
        ClassName = className;
        L1Factor = l1;
        L2Factor = l2;
    }

    /// <summary>The Keras class name: "L1", "L2" or "L1L2".</summary>
    public string ClassName { get; }

    /// <summary>The factor of Σ|w| (Keras's l1); 0 for L2.</summary>
    public double L1Factor { get; }

    /// <summary>The factor of Σw² (Keras's l2); 0 for L1.</summary>
    public double L2Factor { get; }

    /// <summary>Keras's L1: a penalty of <paramref name="l1"/>·Σ|w|, which drives weights to exactly 0.</summary>
    public static Regularizer L1(double l1 = 0.01) => new("L1", l1, 0);

    /// <summary>Keras's L2 (weight decay): a penalty of <paramref name="l2"/>·Σw².</summary>
    public static Regularizer L2(double l2 = 0.01) => new("L2", 0, l2);

    /// <summary>Keras's L1L2: both penalties, each 0 unless given.</summary>
    public static Regularizer L1L2(double l1 = 0, double l2 = 0) => new("L1L2", l1, l2);

    /// <summary>The penalty for <paramref name="weights"/>, as a scalar node.</summary>
    public Node Penalty(Node weights)
    {
        Node? penalty = null;
        if (L1Factor > 0) penalty = Ops.Scale(Ops.Sum(Ops.Abs(weights)), (float)L1Factor);
        if (L2Factor > 0)
        {
            var l2 = Ops.Scale(Ops.Sum(Ops.Square(weights)), (float)L2Factor);
            penalty = penalty is null ? l2 : Ops.Add(penalty, l2);
        }
        return penalty ?? Ops.Scale(Ops.Sum(weights), 0f);
    }

    /// <summary>The Keras serialization {"module", "class_name", "config"}, which <see cref="FromConfig"/> reads back.</summary>
    public JsonObject ToConfig()
    {
        var config = new JsonObject();
        if (ClassName != "L2") config["l1"] = L1Factor;
        if (ClassName != "L1") config["l2"] = L2Factor;
        return new JsonObject { ["module"] = "keras.regularizers", ["class_name"] = ClassName, ["config"] = config };
    }

    /// <summary>Reads the Keras forms: a name ("l2", "l1_l2") or {"class_name": "L2", "config": {"l2": 0.001}}; null stays null.</summary>
    public static Regularizer? FromConfig(JsonNode? node, string argument)
    {
        if (node is null) return null;
        var (name, config) = ConfigReader.Named(node, argument, "l2");
        var regularizer = name.Replace("_", "", StringComparison.Ordinal).ToLower(CultureInfo.InvariantCulture) switch
        {
            "l1" => L1(config.Double("l1", 0.01)),
            "l2" => L2(config.Double("l2", 0.01)),
            "l1l2" => L1L2(config.Double("l1", 0), config.Double("l2", 0)),
            _ => throw new StrataException($"Unknown regularizer '{name}' for {argument}{NameSuggestion.DidYouMean(name, ["L1", "L2", "L1L2"])}. Known: L1, L2, L1L2."),
        };
        config.RejectUnknown(unlisted: ConfigReader.KerasBookkeeping);
        return regularizer;
    }
}
