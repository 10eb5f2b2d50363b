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

    /// <summary>Per variable, its gradient's double sums where the graph keeps them (<see cref="Graph.DoubleGradientSums"/>), else null.</summary>
    public List<double[]?> DoubleSums { get; } = [];

    /// <summary>Adds every float part of the gradients into their double sums (before ranks add their sums up).</summary>
    public void FoldDoubleGradients()
    {
        for (int i = 0; i < Gradients.Count; i++)
            if (DoubleSums[i] is { } sums)
            {
                var parts = Gradients[i].Data;
                for (int j = 0; j < sums.Length; j++) sums[j] += parts[j];
                Array.Clear(parts);
            }
    }

    /// <summary>Rounds each double sum, once, into the float gradient the optimizer reads.</summary>
    public void RoundDoubleGradients()
    {
        for (int i = 0; i < Gradients.Count; i++)
            if (DoubleSums[i] is { } sums)
            {
                var values = Gradients[i].Data;
                for (int j = 0; j < values.Length; j++) values[j] = (float)sums[j];
            }
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
                    DoubleSums.Add(Graph.DoubleGradientOf(v));
                }
        }
        return Loss is null ? double.NaN : Loss.Value.Data[0];
    }
}
