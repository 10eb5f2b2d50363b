using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Models;

/// <summary>
/// A model's graph for one batch size and one call mode, built once and replayed: the input and
/// target placeholders, the output, the loss (when there are targets) and, for training, each
/// trainable variable paired with its gradient buffer.
/// </summary>
internal sealed class CompiledStep
{
    /// <summary>A step over <paramref name="graph"/>, whose layers were called in <paramref name="mode"/>.</summary>
    public CompiledStep(Graph graph, CallMode mode, InputNode input, Node output, InputNode? targets, Node? loss)
    {
        Graph = graph;
        Mode = mode;
        Input = input;
        Output = output;
        Targets = targets;
        Loss = loss;
    }

    public Graph Graph { get; }

    /// <summary>The mode every layer of the graph was called in.</summary>
    public CallMode Mode { get; }

    public InputNode Input { get; }

    public Node Output { get; }

    public InputNode? Targets { get; }

    public Node? Loss { get; }

    public List<Variable> Variables { get; } = [];

    public List<Tensor> Gradients { get; } = [];

    /// <summary>Per variable, its gradient's fixed-point sums where the graph keeps them (<see cref="Graph.ReproducibleSums"/>), else null.</summary>
    public List<FixedPointGradient?> FixedPointSums { get; } = [];

    /// <summary>Rounds each fixed-point sum (added up over the ranks already) into the float gradient the optimizer reads.</summary>
    public void RoundFixedPointGradients()
    {
        for (int i = 0; i < Gradients.Count; i++) FixedPointSums[i]?.RoundInto(Gradients[i].Data);
    }

    /// <summary>Runs forward, and backward when the step trains; returns the loss (NaN without targets).</summary>
    public double Run()
    {
        Graph.Forward();
        if (Mode.IsTraining && Loss is not null)
        {
            Graph.Backward(Loss);
            if (Gradients.Count == 0)
                foreach (var v in Variables)
                {
                    Gradients.Add(Graph.GradientOf(v)!);
                    FixedPointSums.Add(Graph.FixedPointGradientOf(v));
                }
        }
        return Loss is null ? double.NaN : Loss.Value.Data[0];
    }
}
