using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>A graph input; set <see cref="Node.Value"/> (or call <see cref="Set"/>) before a run.</summary>
public sealed class InputNode : Node
{
    internal InputNode(Graph graph, int[] shape, bool requiresGradient) : base(graph, shape)
    {
        RequiresGradient = requiresGradient;
    }

    /// <summary>Copies <paramref name="value"/> into the input's buffer; it must have as many elements as the input.</summary>
    public void Set(Tensor value) => Value.CopyFrom(value);

    internal override void Forward() { }

    internal override void Backward() { }
}
