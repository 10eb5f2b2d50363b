using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Training.Optimizers;

/// <summary>
/// Updates variables in place from their gradients. Per-variable state (moments, velocities) is
/// allocated on the first step and reused, so a steady-state step allocates nothing.
/// </summary>
public abstract class Optimizer
{
    private readonly Dictionary<Variable, float[][]> _slots = new(ReferenceEqualityComparer.Instance);

    /// <summary>An optimizer with the given initial <paramref name="learningRate"/>, which must be positive.</summary>
    protected Optimizer(double learningRate)
    {
        if (!(learningRate > 0))
            throw new StrataException($"Expected a positive learning_rate. Received: learning_rate={learningRate}");
        LearningRate = learningRate;
    }

    /// <summary>The Keras class name.</summary>
    public abstract string ClassName { get; }

    /// <summary>The current learning rate; callbacks such as ReduceLROnPlateau change it.</summary>
    public double LearningRate { get; set; }

    /// <summary>How many steps have been applied.</summary>
    public long Iterations { get; set; }

    /// <summary>How many state buffers each variable needs (first and second moments, ...).</summary>
    protected abstract int SlotCount { get; }

    /// <summary>Applies one step to every variable from its gradient (same order in both lists).</summary>
    public void Apply(IReadOnlyList<Variable> variables, IReadOnlyList<Tensor> gradients)
    {
        Iterations++;
        for (int i = 0; i < variables.Count; i++)
        {
            var variable = variables[i];
            if (!_slots.TryGetValue(variable, out var slots))
            {
                slots = new float[SlotCount][];
                for (int s = 0; s < slots.Length; s++) slots[s] = new float[variable.Value.Size];
                _slots.Add(variable, slots);
            }
            Update(variable.Value.Data, gradients[i].Data, slots);
        }
    }

    /// <summary>
    /// One step for one variable: updates <paramref name="weights"/> in place from <paramref name="gradient"/>,
    /// with the variable's <see cref="SlotCount"/> state buffers (zero at first). <see cref="Iterations"/>
    /// already counts this step.
    /// </summary>
    protected abstract void Update(float[] weights, float[] gradient, float[][] slots);

    /// <summary>The state buffers of the variables that have them, by variable path (for checkpoints).</summary>
    public Dictionary<string, float[][]> GetSlots(IEnumerable<Variable> variables) => GetSlots(variables, copy: true);

    /// <summary>With <paramref name="copy"/> false, the optimizer's own buffers: good only until the next step.</summary>
    internal Dictionary<string, float[][]> GetSlots(IEnumerable<Variable> variables, bool copy) =>
        variables.Where(_slots.ContainsKey).ToDictionary(v => v.Path, v => copy ? _slots[v].Select(s => (float[])s.Clone()).ToArray() : _slots[v]);

    /// <summary>Restores state buffers saved by <see cref="GetSlots(IEnumerable{Variable})"/>, matched to the variables by path.</summary>
    public void SetSlots(IEnumerable<Variable> variables, IReadOnlyDictionary<string, float[][]> slots)
    {
        _slots.Clear();
        foreach (var variable in variables)
        {
            if (!slots.TryGetValue(variable.Path, out var saved)) continue;
            if (saved.Length != SlotCount || saved.Any(s => s.Length != variable.Value.Size))
                throw new StrataException($"The optimizer state for '{variable.Path}' does not fit the variable ({SlotCount} buffers of {variable.Value.Size} values expected).");
            _slots[variable] = saved.Select(s => (float[])s.Clone()).ToArray();
        }
    }

    /// <summary>The Keras optimizer config: name, learning_rate and the optimizer's own arguments, as stored in the model file.</summary>
    public virtual JsonObject GetConfig() => new()
    {
        ["name"] = ClassName.ToLowerInvariant(),
        ["learning_rate"] = LearningRate,
    };
}
