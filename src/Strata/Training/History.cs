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

    /// <summary>
    /// Whether the fit that recorded this history was interrupted (Ctrl-C, a cancelled token) before
    /// its last epoch; the epoch it was in is not recorded. Not part of <see cref="ToCsv"/>.
    /// </summary>
    public bool Interrupted { get; internal set; }

    /// <summary>
    /// The values recorded under <paramref name="key"/> (e.g. "loss", "val_accuracy"), one per epoch, NaN for
    /// epochs that lacked it.
    /// </summary>
    public IReadOnlyList<double> this[string key] =>
        _values.TryGetValue(key, out var list) ? list : throw new StrataException($"The history has no '{key}'. It has: {string.Join(", ", _keys)}.");

    /// <summary>Whether any epoch recorded <paramref name="key"/>.</summary>
    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>Adds one epoch's logs; keys missing from it get NaN so every column stays aligned with <see cref="Epochs"/>.</summary>
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

    /// <summary>An independent copy: the same epochs, keys, values and <see cref="Interrupted"/> flag.</summary>
    public History Clone()
    {
        var copy = new History { Interrupted = Interrupted };
        copy._epochs.AddRange(_epochs);
        copy._keys.AddRange(_keys);
        foreach (var (key, values) in _values) copy._values[key] = [.. values];
        return copy;
    }

    /// <summary>A history from <see cref="ToCsv"/>'s text; values come back bit for bit.</summary>
    public static History FromCsv(string csv, string source)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !lines[0].StartsWith("epoch", StringComparison.Ordinal)) throw new StrataException($"{source}: not a history (no 'epoch' header).");
        var keys = lines[0].Split(',').Skip(1).ToArray();
        var history = new History();
        for (int i = 1; i < lines.Length; i++)
        {
            var fields = lines[i].Split(',');
            if (fields.Length != keys.Length + 1 || !int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int epoch))
                throw new StrataException($"{source}:{i + 1}: expected an epoch and {keys.Length} values.");
            var logs = new Dictionary<string, double>();
            for (int k = 0; k < keys.Length; k++)
                logs[keys[k]] = double.TryParse(fields[k + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                    ? v : throw new StrataException($"{source}:{i + 1}: '{fields[k + 1]}' is not a number.");
            history.Record(epoch, logs);
        }
        return history;
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
