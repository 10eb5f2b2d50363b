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
    /// The gradient in fixed point, where the graph sums that way (<see cref="Graph.ReproducibleSums"/>) and the
    /// parameter's one consumer can (<see cref="Node.FixedPointLayout"/>): that consumer adds its sums here, not to <see cref="Node.Gradient"/>.
    /// </summary>
    internal FixedPointGradient? FixedPointGradient { get; set; }

    internal override void Forward() { }

    internal override void Backward() { }
}
