using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>The arguments of <see cref="InputLayer"/>.</summary>
[KerasConstant("sparse", false)]
public sealed record InputLayerConfig : LayerConfig
{
    /// <summary>The input shape, batch axis first (-1 for None), then every other axis, all known; Keras 2 called it batch_input_shape.</summary>
    [KerasShape, KerasAlias("batch_input_shape")]
    public required IReadOnlyList<int> BatchShape { get; init => field = ReadOnlyInts.Copy(value); }

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(BatchShape is { Count: > 0 }, "batch_shape", "InputLayer needs a batch_shape of rank 1 or more.");
        Require(BatchShape.Skip(1).All(d => d > 0), "batch_shape", $"InputLayer batch_shape {ShapeOps.Format([.. BatchShape])} must give every non-batch dimension.");
    }
}

/// <summary>Declares the model's input shape (batch axis included, -1 for None). Computes nothing.</summary>
public sealed class InputLayer : Layer<InputLayerConfig>
{
    /// <summary>An input layer with every argument given by <paramref name="config"/>.</summary>
    public InputLayer(InputLayerConfig config) : base(config) { }

    /// <summary>An input layer declaring <paramref name="batchShape"/>: the batch axis first (-1 for None), then every other axis, all known.</summary>
    public InputLayer(int[] batchShape, string? name = null) : this(new InputLayerConfig { BatchShape = batchShape, Name = name }) { }

    /// <summary>The declared input shape, batch axis included (-1 for None); Keras's batch_shape.</summary>
    public IReadOnlyList<int> BatchShape => Config.BatchShape;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => input;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        // Keras's InputLayer config has no trainable flag: there is nothing to train.
        var config = base.GetConfig();
        config.Remove("trainable");
        return config;
    }
}
