using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>Flattens every axis but the batch axis (channels-last order, as Keras).</summary>
public sealed class Flatten : Layer
{
    /// <summary>A Flatten layer.</summary>
    public Flatten(string? name = null) : base(name) { }

    /// <inheritdoc/>
    public override string ClassName => "Flatten";

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        int features = 1;
        for (int i = 1; i < inputShape.Length; i++)
        {
            if (inputShape[i] <= 0)
                throw new StrataException($"Flatten layer '{Name}' needs every non-batch dimension; got {ShapeOps.Format(inputShape)}.");
            features *= inputShape[i];
        }
        return [inputShape[0], features];
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) =>
        Ops.Reshape(input, input.Shape[0], input.Value.Size / Math.Max(1, input.Shape[0]));

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>Reads a Flatten layer from its Keras config; data_format must be channels_last.</summary>
    public static Flatten FromConfig(ConfigReader c)
    {
        if (c.String("data_format", "channels_last") != "channels_last")
            throw new StrataException($"Flatten layer '{c.Name}': only data_format 'channels_last' is supported.");
        return new Flatten(c.Name);
    }
}
