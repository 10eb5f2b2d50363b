using System.Globalization;
using System.Text;
using Strata.Tensors;

namespace Strata.Data;

/// <summary>
/// A numeric CSV table: a header of column names and rows of float values. The delimiter is
/// detected from the header (';', ',', tab) unless given; quoted fields, a UTF-8 BOM and CRLF line
/// endings are accepted. A bad value names the file, line and column.
/// </summary>
public sealed class CsvTable
{
    private CsvTable(string source, string[] columns, float[] values, int rows)
    {
        Source = source;
        Columns = columns;
        Values = values;
        Rows = rows;
    }

    public string Source { get; }

    public IReadOnlyList<string> Columns { get; }

    public int Rows { get; }

    /// <summary>Row-major values, Rows × Columns.Count.</summary>
    public float[] Values { get; }

    public static CsvTable Load(string path, char? delimiter = null)
    {
        if (!File.Exists(path)) throw new StrataException($"Data file '{path}' does not exist.");
        return Parse(File.ReadAllText(path, Encoding.UTF8), path, delimiter);
    }

    public static CsvTable Parse(string text, string source, char? delimiter = null)
    {
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var lines = text.Split('\n');
        int headerLine = 0;
        while (headerLine < lines.Length && lines[headerLine].Trim().Length == 0) headerLine++;
        if (headerLine == lines.Length) throw new StrataException($"{source}: the file is empty.");
        string header = lines[headerLine].TrimEnd('\r');
        char d = delimiter ?? Detect(header);
        var columns = SplitFields(header, d, source, headerLine + 1).Select(c => c.Trim()).ToArray();
        for (int c = 0; c < columns.Length; c++)
            if (columns[c].Length == 0) throw new StrataException($"{source}:{headerLine + 1}: column {c + 1} of the header has no name.");
        var duplicate = columns.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new StrataException($"{source}:{headerLine + 1}: the header names column '{duplicate.Key}' twice.");

        var values = new List<float>();
        int rows = 0;
        for (int i = headerLine + 1; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            var fields = SplitFields(line, d, source, i + 1);
            if (fields.Count != columns.Length)
                throw new StrataException($"{source}:{i + 1}: expected {columns.Length} fields (as in the header) but found {fields.Count}.");
            for (int c = 0; c < fields.Count; c++)
            {
                string field = fields[c].Trim();
                if (field.Length == 0)
                    throw new StrataException($"{source}:{i + 1}: column '{columns[c]}' (column {c + 1}) is empty.");
                if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                    throw new StrataException($"{source}:{i + 1}: column '{columns[c]}' (column {c + 1}) has the non-numeric value '{field}'.");
                if (!float.IsFinite(v))
                    throw new StrataException($"{source}:{i + 1}: column '{columns[c]}' (column {c + 1}) has the non-finite value '{field}'.");
                values.Add(v);
            }
            rows++;
        }
        if (rows == 0) throw new StrataException($"{source}: the file has a header but no data rows.");
        return new CsvTable(source, columns, values.ToArray(), rows);
    }

    public int ColumnIndex(string name)
    {
        for (int i = 0; i < Columns.Count; i++) if (Columns[i] == name) return i;
        throw new StrataException($"{Source}: there is no column '{name}'. Columns: {string.Join(", ", Columns)}.");
    }

    /// <summary>The named columns as a [rows, names.Count] tensor.</summary>
    public Tensor Select(IReadOnlyList<string> names)
    {
        var indices = names.Select(ColumnIndex).ToArray();
        var t = new Tensor(Rows, indices.Length);
        int width = Columns.Count;
        for (int r = 0; r < Rows; r++)
            for (int j = 0; j < indices.Length; j++)
                t.Data[r * indices.Length + j] = Values[r * width + indices[j]];
        return t;
    }

    /// <summary>Every column but <paramref name="target"/> as features, and the target as a [rows, 1] tensor.</summary>
    public (Tensor Features, Tensor Target, string[] FeatureNames) Split(string target)
    {
        ColumnIndex(target);
        var features = Columns.Where(c => c != target).ToArray();
        return (Select(features), Select([target]), features);
    }

    private static char Detect(string header)
    {
        int semicolons = header.Count(c => c == ';'), commas = header.Count(c => c == ','), tabs = header.Count(c => c == '\t');
        if (semicolons >= commas && semicolons >= tabs && semicolons > 0) return ';';
        if (tabs > commas) return '\t';
        return ',';
    }

    private static List<string> SplitFields(string line, char delimiter, string source, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                    else quoted = false;
                }
                else field.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == delimiter) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(ch);
        }
        if (quoted) throw new StrataException($"{source}:{lineNumber}: a quoted field is not closed.");
        fields.Add(field.ToString());
        return fields;
    }
}
