using System.Globalization;
using System.Text;

namespace Strata.Training;

/// <summary>Per-epoch values of the loss and metrics (and their val_ counterparts), as Keras's History.</summary>
public sealed class History
{
    private readonly List<int> _epochs = [];
    private readonly List<string> _keys = [];
    private readonly Dictionary<string, List<double>> _values = [];

    /// <summary>The epoch numbers recorded, starting at 1.</summary>
    public IReadOnlyList<int> Epochs => _epochs;

    /// <summary>The recorded keys in first-seen order: loss, metrics, val_loss, val_ metrics.</summary>
    public IReadOnlyList<string> Keys => _keys;

    public IReadOnlyList<double> this[string key] =>
        _values.TryGetValue(key, out var list) ? list : throw new StrataException($"The history has no '{key}'. It has: {string.Join(", ", _keys)}.");

    public bool Contains(string key) => _values.ContainsKey(key);

    public void Record(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        _epochs.Add(epoch);
        foreach (var (key, value) in logs)
        {
            if (!_values.TryGetValue(key, out var list))
            {
                list = [];
                // A key first seen late is padded so every column lines up with the epochs.
                for (int i = 0; i < _epochs.Count - 1; i++) list.Add(double.NaN);
                _values[key] = list;
                _keys.Add(key);
            }
            list.Add(value);
        }
        foreach (var key in _keys)
            if (_values[key].Count < _epochs.Count) _values[key].Add(double.NaN);
    }

    /// <summary>The history as CSV: header <c>epoch,loss,val_loss,...</c>, values in round-trip precision.</summary>
    public string ToCsv()
    {
        var ordered = OrderedKeys();
        var sb = new StringBuilder("epoch");
        foreach (var key in ordered) sb.Append(',').Append(key);
        sb.Append('\n');
        for (int i = 0; i < _epochs.Count; i++)
        {
            sb.Append(_epochs[i].ToString(CultureInfo.InvariantCulture));
            foreach (var key in ordered) sb.Append(',').Append(_values[key][i].ToString("R", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>loss first, then val_loss, then the rest in recording order.</summary>
    public List<string> OrderedKeys()
    {
        var ordered = new List<string>();
        if (_values.ContainsKey("loss")) ordered.Add("loss");
        if (_values.ContainsKey("val_loss")) ordered.Add("val_loss");
        ordered.AddRange(_keys.Where(k => k != "loss" && k != "val_loss"));
        return ordered;
    }
}
