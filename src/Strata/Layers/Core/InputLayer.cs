using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>Declares the model's input shape (batch axis included, -1 for None). Computes nothing.</summary>
public sealed class InputLayer : Layer
{
    public InputLayer(int[] batchShape, string? name = null) : base(name)
    {
        if (batchShape.Length == 0)
            throw new StrataException("InputLayer needs a batch_shape of rank 1 or more.");
        for (int i = 1; i < batchShape.Length; i++)
            if (batchShape[i] <= 0)
                throw new StrataException($"InputLayer batch_shape {ShapeOps.Format(batchShape)} must give every non-batch dimension.");
        BatchShape = (int[])batchShape.Clone();
    }

    public override string ClassName => "InputLayer";

    public int[] BatchShape { get; }

    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    public override Node Call(Node input, CallMode mode) => input;

    public override JsonObject GetConfig()
    {
        var shape = new JsonArray();
        foreach (int d in BatchShape) shape.Add(d < 0 ? null : JsonValue.Create(d));
        return new JsonObject { ["name"] = Name, ["batch_shape"] = shape, ["dtype"] = "float32", ["sparse"] = false };
    }

    public static InputLayer FromConfig(ConfigReader c)
    {
        // Keras 3 writes batch_shape; Keras 2 wrote batch_input_shape.
        var shape = c.Shape("batch_shape") ?? c.Shape("batch_input_shape")
            ?? throw new StrataException($"InputLayer '{c.Name}' needs a batch_shape.");
        return new InputLayer(shape, c.Name);
    }
}
