using System.Text.Json.Nodes;
using Strata.Layers;

namespace Strata.Training.Optimizers;

/// <summary>Optimizers from a Keras name ("adam") or {"class_name": "Adam", "config": {...}}.</summary>
public static class OptimizerRegistry
{
    public static Optimizer FromConfig(JsonNode? node)
    {
        var (name, r) = ConfigReader.Named(node, "optimizer", "adam");
        if (r.Bool("amsgrad", false)) throw new StrataException("The optimizer argument 'amsgrad' is not supported.");
        foreach (var key in new[] { "clipnorm", "clipvalue", "global_clipnorm" })
            r.Unsupported(key);
        // Keras decays any optimizer's weights when given weight_decay; Strata only AdamW's, so say so rather than train without it.
        if (!name.Equals("adamw", StringComparison.OrdinalIgnoreCase) && r.Double("weight_decay", 0) != 0)
            throw new StrataException($"The optimizer argument 'weight_decay' is supported by AdamW only; {name} was given weight_decay={r.Double("weight_decay", 0)}. Use AdamW, or a kernel_regularizer.");
        return name.ToLowerInvariant() switch
        {
            "sgd" => new SGD(r.Double("learning_rate", 0.01), r.Double("momentum", 0), r.Bool("nesterov", false)),
            "adam" => new Adam(r.Double("learning_rate", 1e-3), r.Double("beta_1", 0.9), r.Double("beta_2", 0.999), r.Double("epsilon", 1e-7)),
            "adamw" => new AdamW(r.Double("learning_rate", 1e-3), r.Double("weight_decay", 0.004), r.Double("beta_1", 0.9), r.Double("beta_2", 0.999), r.Double("epsilon", 1e-7)),
            "rmsprop" => new RMSprop(r.Double("learning_rate", 1e-3), r.Double("rho", 0.9), r.Double("momentum", 0), r.Double("epsilon", 1e-7), r.Bool("centered", false)),
            _ => throw new StrataException($"Unknown optimizer '{name}'. Expected one of: sgd, adam, adamw, rmsprop."),
        };
    }
}
