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

    internal override void Forward() { }

    internal override void Backward() { }
}
