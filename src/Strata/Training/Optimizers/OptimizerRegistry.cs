using System.Text.Json.Nodes;
using Strata.Layers;

namespace Strata.Training.Optimizers;

/// <summary>Optimizers from a Keras name ("adam") or {"class_name": "Adam", "config": {...}}.</summary>
public static class OptimizerRegistry
{
    private static readonly string[] Names = ["sgd", "adam", "adamw", "rmsprop"];

    /// <summary>
    /// The optimizer a config describes. Keras's arguments that Strata does not implement are refused
    /// unless they have their neutral value; an unknown argument is an error naming the closest known one.
    /// </summary>
    /// <param name="node">A name such as "adam", or a Keras {"class_name", "config"} object.</param>
    /// <param name="where">What the config is, for errors ("the optimizer in \"compile\" of spec.json").</param>
    public static Optimizer FromConfig(JsonNode? node, string where = "optimizer")
    {
        var (name, r) = ConfigReader.Named(node, where, "adam");
        foreach (var key in new[] { "amsgrad", "clipnorm", "clipvalue", "global_clipnorm", "use_ema", "loss_scale_factor", "gradient_accumulation_steps", "decay" })
            r.Unsupported(key);
        // Keras decays any optimizer's weights when given weight_decay; Strata only AdamW's, so say so rather than train without it.
        if (!name.Equals("adamw", StringComparison.OrdinalIgnoreCase) && r.Double("weight_decay", 0) is var decay and not 0)
            throw new StrataException($"The optimizer argument 'weight_decay' is supported by AdamW only; {name} was given weight_decay={decay}. Use AdamW, or a kernel_regularizer.");
        var optimizer = Create(name, r);
        // Keras writes these beside use_ema, is_legacy_optimizer and jit_compile; they change nothing here.
        r.RejectUnknown(unlisted: [.. ConfigReader.KerasBookkeeping, "ema_momentum", "ema_overwrite_frequency", "is_legacy_optimizer", "jit_compile"]);
        return optimizer;
    }

    private static Optimizer Create(string name, ConfigReader r) =>
        name.ToLowerInvariant() switch
        {
            "sgd" => new SGD(r.Double("learning_rate", 0.01), r.Double("momentum", 0), r.Bool("nesterov", false)),
            "adam" => new Adam(r.Double("learning_rate", 1e-3), r.Double("beta_1", 0.9), r.Double("beta_2", 0.999), r.Double("epsilon", 1e-7)),
            "adamw" => new AdamW(r.Double("learning_rate", 1e-3), r.Double("weight_decay", 0.004), r.Double("beta_1", 0.9), r.Double("beta_2", 0.999), r.Double("epsilon", 1e-7)),
            "rmsprop" => new RMSprop(r.Double("learning_rate", 1e-3), r.Double("rho", 0.9), r.Double("momentum", 0), r.Double("epsilon", 1e-7), r.Bool("centered", false)),
            _ => throw new StrataException($"Unknown optimizer '{name}'{NameSuggestion.DidYouMean(name.ToLowerInvariant(), Names)}. Expected one of: {string.Join(", ", Names)}."),
        };
}
