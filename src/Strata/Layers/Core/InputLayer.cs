using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>Declares the model's input shape (batch axis included, -1 for None). Computes nothing.</summary>
public sealed class InputLayer : Layer
{
    /// <summary>An input layer declaring <paramref name="batchShape"/>: the batch axis first (-1 for None), then every other axis, all known.</summary>
    public InputLayer(int[] batchShape, string? name = null) : base(name)
    {
        if (batchShape.Length == 0)
            throw new StrataException("InputLayer needs a batch_shape of rank 1 or more.");
        for (int i = 1; i < batchShape.Length; i++)
            if (batchShape[i] <= 0)
                throw new StrataException($"InputLayer batch_shape {ShapeOps.Format(batchShape)} must give every non-batch dimension.");
        BatchShape = ReadOnlyInts.View((int[])batchShape.Clone());
    }

    /// <inheritdoc/>
    public override string ClassName => "InputLayer";

    /// <summary>The declared input shape, batch axis included (-1 for None); Keras's batch_shape.</summary>
    public IReadOnlyList<int> BatchShape { get; }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => input;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var shape = new JsonArray();
        foreach (int d in BatchShape) shape.Add(d < 0 ? null : JsonValue.Create(d));
        return new JsonObject { ["name"] = Name, ["batch_shape"] = shape, ["dtype"] = "float32", ["sparse"] = false };
    }

    /// <summary>Reads an InputLayer from its Keras config: batch_shape, or Keras 2's batch_input_shape.</summary>
    public static InputLayer FromConfig(ConfigReader c)
    {
        // Keras 3 writes batch_shape; Keras 2 wrote batch_input_shape.
        var shape = c.Shape("batch_shape") ?? c.Shape("batch_input_shape")
            ?? throw new StrataException($"InputLayer '{c.Name}' needs a batch_shape.");
        return new InputLayer(shape, c.Name);
    }
}
