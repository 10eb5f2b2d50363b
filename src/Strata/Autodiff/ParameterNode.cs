namespace Strata.Autodiff;

/// <summary>
/// Stands for a <see cref="Variable"/>. Its value is the variable's own tensor (no copy), so an
/// optimizer step is seen by the next replay; its gradient flows only while the variable is trainable.
/// </summary>
internal sealed class ParameterNode : Node
{
    internal ParameterNode(Graph graph, Variable variable, bool trainable) : base(graph, variable.Value)
    {
        Variable = variable;
        RequiresGradient = trainable;
    }

    public Variable Variable { get; }

    /// <summary>
    /// The gradient summed in double, where the graph sums parameter gradients in double (<see cref="Graph.DoubleGradientSums"/>):
    /// nodes that can add their part in double add it here, the others into <see cref="Node.Gradient"/>.
    /// </summary>
    internal double[]? DoubleGradient { get; set; }

    internal override void Forward() { }

    internal override void Backward() { }
}
