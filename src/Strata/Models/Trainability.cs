using Strata.Autodiff;
using Strata.Layers;

namespace Strata.Models;

/// <summary>
/// Which layers and variables of a model, at any depth (a Residual's branch too), are trainable.
/// A compiled step depends on it: frozen variables get no gradient, and a frozen BatchNormalization
/// runs on its moving statistics. <see cref="Check"/> runs before every step and allocates nothing
/// while the state stays the same; each distinct state gets an id that keys the steps, so going
/// back to an earlier state reuses its graphs.
/// </summary>
internal sealed class Trainability
{
    private readonly List<Layer> _layers = [];
    private readonly List<Variable> _variables = [];
    private readonly Dictionary<string, int> _ids = [];
    private bool[] _flags = [];
    private bool _tracking;
    private int _id;

    /// <summary>Forgets the model's layers and variables (after a build); the next check gathers them again.</summary>
    public void Reset()
    {
        _tracking = false;
        _ids.Clear();
    }

    /// <summary>The id of the current trainability of <paramref name="layers"/> and everything they hold.</summary>
    public int Check(IReadOnlyList<Layer> layers)
    {
        if (!_tracking)
        {
            _layers.Clear();
            _variables.Clear();
            foreach (var layer in layers)
            {
                Gather(layer);
                _variables.AddRange(layer.Variables);
            }
            _flags = new bool[_layers.Count + _variables.Count];
            _tracking = true;
            return _id = Read();
        }
        for (int i = 0; i < _layers.Count; i++)
            if (_layers[i].Trainable != _flags[i]) return _id = Read();
        for (int i = 0; i < _variables.Count; i++)
            if (_variables[i].Trainable != _flags[_layers.Count + i]) return _id = Read();
        return _id;
    }

    private void Gather(Layer layer)
    {
        _layers.Add(layer);
        foreach (var child in layer.Children) Gather(child);
    }

    // Records the flags and names their state.
    private int Read()
    {
        for (int i = 0; i < _layers.Count; i++) _flags[i] = _layers[i].Trainable;
        for (int i = 0; i < _variables.Count; i++) _flags[_layers.Count + i] = _variables[i].Trainable;
        var key = string.Create(_flags.Length, _flags, (chars, flags) =>
        {
            for (int i = 0; i < flags.Length; i++) chars[i] = flags[i] ? '1' : '0';
        });
        if (!_ids.TryGetValue(key, out int id)) _ids[key] = id = _ids.Count;
        return id;
    }
}
