using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// One operation in a <see cref="Graph"/>: its output buffer, its inputs, and — beside the
/// forward computation — the rule that turns the output's gradient into its inputs' gradients.
/// Buffers are allocated once when the node is created, so replaying a graph allocates nothing.
/// </summary>
public abstract class Node
{
    private protected Node(Graph graph, int[] shape, params Node[] inputs)
        : this(graph, new Tensor(shape), inputs) { }

    private protected Node(Graph graph, Tensor value, params Node[] inputs)
    {
        Graph = graph;
        Inputs = inputs;
        Value = value;
        foreach (var input in inputs)
        {
            if (input.Graph != graph)
                throw new StrataException("Cannot combine nodes of different graphs.");
            RequiresGradient |= input.RequiresGradient;
        }
        graph.Register(this);
    }

    /// <summary>The graph the node was recorded in; only nodes of the same graph combine.</summary>
    public Graph Graph { get; }

    /// <summary>The output buffer, allocated once and overwritten by every forward pass.</summary>
    public Tensor Value { get; }

    /// <summary>dLoss/dValue after <see cref="Graph.Backward"/>; null where no gradient flows.</summary>
    public Tensor? Gradient { get; internal set; }

    /// <summary>The nodes this one reads, in operand order.</summary>
    public IReadOnlyList<Node> Inputs { get; }

    /// <summary>Whether a trainable variable or a differentiable input lies upstream.</summary>
    public bool RequiresGradient { get; private protected set; }

    /// <summary>The output's shape (fixed when the node is recorded, batch axis included).</summary>
    public ReadOnlySpan<int> Shape => Value.Shape;

    internal abstract void Forward();

    /// <summary>Adds this node's contribution to the gradients of the inputs that require one.</summary>
    internal abstract void Backward();

    /// <summary>
    /// Whether <see cref="Backward"/> can write input <paramref name="input"/>'s gradient over this node's own,
    /// element by element, when the graph gives both the same buffer (it then writes, not adds).
    /// </summary>
    internal virtual bool BackwardInPlace(int input) => false;

    /// <summary>
    /// The rows × columns view in which <see cref="Backward"/> adds input <paramref name="input"/>'s gradient as fixed-point
    /// sums (<see cref="FixedPointGradient"/>), when the graph sums that way; null where this node adds float gradients.
    /// </summary>
    internal virtual (int Rows, int Columns)? FixedPointLayout(int input) => null;

    private protected static bool Flows(Node n) => n.RequiresGradient;

    // The gradient before a fused element-wise activation f (whose input, where f needs it, is z): this node's own
    // gradient for a linear f, else dy·f′ in a buffer kept from one backward pass to the next.
    private protected float[] PreActivationGradient(ActivationFunction f, float[]? z, ref float[]? buffer, int width)
    {
        if (f == ActivationFunction.Linear) return Gradient!.Data;
        var dz = buffer ??= new float[Value.Size];
        Kernels.ActivationKernels.Backward(f, z, Value.Data, Gradient!.Data, dz, width);
        return dz;
    }
}
