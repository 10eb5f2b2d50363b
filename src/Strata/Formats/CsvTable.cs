using System.Globalization;
using System.Text;
using Strata.Tensors;

namespace Strata.Formats;

/// <summary>
/// A numeric CSV table: a header of column names and rows of float values. The delimiter is
/// detected from the header (';', ',', tab) unless given; quoted fields, a UTF-8 BOM and CRLF line
/// endings are accepted. A bad value names the file, line and column. A table may keep only some
/// columns, so files with text columns (names, identifiers) can be read, and may keep text columns
/// as strings (for grouping rows, e.g. by artist).
/// </summary>
public sealed class CsvTable
{
    private CsvTable(string source, string[] columns, float[] values, int rows, Dictionary<string, string[]> text)
    {
        Source = source;
        Columns = columns;
        Values = values;
        Rows = rows;
        _text = text;
    }

    private readonly Dictionary<string, string[]> _text;

    /// <summary>The file the table was read from, as named in error messages.</summary>
    public string Source { get; }

    /// <summary>The numeric columns, in file order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The number of data rows, header excluded.</summary>
    public int Rows { get; }

    /// <summary>Row-major values, Rows × Columns.Count.</summary>
    public float[] Values { get; }

    /// <summary>Rows skipped for invalid values (only when reading with drop_invalid_rows).</summary>
    public int DroppedRows { get; private init; }

    /// <summary>Why the first skipped row was skipped, with its file and line; null when none was.</summary>
    public string? FirstDroppedRow { get; private init; }

    /// <param name="path">The CSV file.</param>
    /// <param name="delimiter">The field separator; null detects it from the header.</param>
    /// <param name="columns">The numeric columns to keep; null keeps every column that is not a text column.</param>
    /// <param name="textColumns">Columns kept as strings, not parsed; see <see cref="Text"/>.</param>
    /// <param name="dropInvalidRows">Skip rows with invalid values instead of failing; see <see cref="Parse"/>.</param>
    /// <param name="header">False for a file without a header row (columns 0, 1, 2, ...).</param>
    public static CsvTable Load(string path, char? delimiter = null, IReadOnlyCollection<string>? columns = null, IReadOnlyCollection<string>? textColumns = null,
        bool dropInvalidRows = false, bool header = true)
    {
        InputFile.Require(path, "Data file");
        return Parse(File.ReadAllText(path, Encoding.UTF8), path, delimiter, columns, textColumns, dropInvalidRows, hasHeader: header);
    }

    private static string[] GeneratedNames(int count) => Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The column names in a CSV file's header, without reading its rows.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="delimiter">The field separator; null detects it from the first line.</param>
    /// <param name="header">False for a file without a header row: its columns are named 0, 1, 2, ... as pandas names them.</param>
    public static IReadOnlyList<string> Header(string path, char? delimiter = null, bool header = true)
    {
        InputFile.Require(path, "Data file");
        int number = 0;
        foreach (var raw in File.ReadLines(path, Encoding.UTF8))
        {
            number++;
            string line = raw.TrimStart('\uFEFF').TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            var fields = SplitFields(line, delimiter ?? Detect(line), path, number).Select(c => c.Trim()).ToArray();
            return header ? fields : GeneratedNames(fields.Length);
        }
        throw new StrataException($"{path}: the file is empty.");
    }

    /// <summary>
    /// Parses CSV text; <paramref name="source"/> names it in errors. A row with an empty, non-numeric
    /// or non-finite value in a numeric column is an error, or, with <paramref name="dropInvalidRows"/>,
    /// skipped and counted in <see cref="DroppedRows"/>.
    /// </summary>
    public static CsvTable Parse(string text, string source, char? delimiter = null, IReadOnlyCollection<string>? columns = null,
        IReadOnlyCollection<string>? textColumns = null, bool dropInvalidRows = false, bool hasHeader = true)
    {
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var lines = text.Split('\n');
        int headerLine = 0;
        while (headerLine < lines.Length && lines[headerLine].Trim().Length == 0) headerLine++;
        if (headerLine == lines.Length) throw new StrataException($"{source}: the file is empty.");
        string headerText = lines[headerLine].TrimEnd('\r');
        char d = delimiter ?? Detect(headerText);
        var header = SplitFields(headerText, d, source, headerLine + 1).Select(c => c.Trim()).ToArray();
        if (!hasHeader)
        {
            header = GeneratedNames(header.Length);
            headerLine--; // the first line is data
        }
        for (int c = 0; c < header.Length; c++)
            if (header[c].Length == 0) throw new StrataException($"{source}:{headerLine + 1}: column {c + 1} of the header has no name.");
        var duplicate = header.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new StrataException($"{source}:{headerLine + 1}: the header names column '{duplicate.Key}' twice.");
        foreach (var name in (columns ?? []).Concat(textColumns ?? []))
            if (!header.Contains(name)) throw new StrataException($"{source}: there is no column '{name}'. Columns: {string.Join(", ", header)}.");
        // What each field of a row becomes: a number, a string, or nothing.
        var kinds = header.Select(name => textColumns?.Contains(name) == true ? FieldKind.Text
            : columns is null || columns.Contains(name) ? FieldKind.Number : FieldKind.Skipped).ToArray();
        var numeric = header.Where((_, c) => kinds[c] == FieldKind.Number).ToArray();
        var textValues = header.Where((_, c) => kinds[c] == FieldKind.Text).ToDictionary(name => name, _ => new List<string>());

        var values = new List<float>();
        var rowValues = new List<float>();
        int rows = 0, dropped = 0;
        string? firstDropped = null;
        for (int i = headerLine + 1; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            var fields = SplitFields(line, d, source, i + 1);
            if (fields.Count != header.Length)
                throw new StrataException($"{source}:{i + 1}: expected {header.Length} fields (as in the header) but found {fields.Count}.");
            rowValues.Clear();
            string? problem = null;
            for (int c = 0; c < fields.Count && problem is null; c++)
            {
                if (kinds[c] != FieldKind.Number) continue;
                string field = fields[c].Trim();
                if (field.Length == 0) problem = $"{source}:{i + 1}: column '{header[c]}' (column {c + 1}) is empty.";
                else if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                    problem = $"{source}:{i + 1}: column '{header[c]}' (column {c + 1}) has the non-numeric value '{field}'.";
                else if (!float.IsFinite(v))
                    problem = $"{source}:{i + 1}: column '{header[c]}' (column {c + 1}) has the non-finite value '{field}'.";
                else rowValues.Add(v);
            }
            if (problem is not null)
            {
                if (!dropInvalidRows) throw new StrataException(problem + " (drop_invalid_rows skips such rows)");
                dropped++;
                firstDropped ??= problem;
                continue;
            }
            values.AddRange(rowValues);
            for (int c = 0; c < fields.Count; c++)
                if (kinds[c] == FieldKind.Text) textValues[header[c]].Add(fields[c].Trim());
            rows++;
        }
        if (rows == 0)
            throw new StrataException(dropped > 0 ? $"{source}: all {dropped} data rows hold invalid values (the first: {firstDropped})" : $"{source}: the file has a header but no data rows.");
        return new CsvTable(source, numeric, values.ToArray(), rows, textValues.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()))
        {
            DroppedRows = dropped,
            FirstDroppedRow = firstDropped,
        };
    }

    private enum FieldKind { Number, Text, Skipped }

    /// <summary>A text column's values, one per row.</summary>
    public IReadOnlyList<string> Text(string name) =>
        _text.TryGetValue(name, out var values) ? values
            : throw new StrataException($"{Source}: column '{name}' was not read as text. Text columns: {(_text.Count == 0 ? "none" : string.Join(", ", _text.Keys))}.");

    /// <summary>
    /// The position of column <paramref name="name"/> among <see cref="Columns"/>; throws naming the file and the
    /// columns when there is none.
    /// </summary>
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

    /// <summary>
    /// The <paramref name="features"/> columns (default: every numeric column but the target) and the
    /// target as a [rows, 1] tensor.
    /// </summary>
    public (Tensor Features, Tensor Target, string[] FeatureNames) Split(string target, IReadOnlyList<string>? features = null)
    {
        ColumnIndex(target);
        var names = features?.ToArray() ?? Columns.Where(c => c != target).ToArray();
        if (names.Contains(target)) throw new StrataException($"{Source}: the target column '{target}' is also listed as a feature.");
        return (Select(names), Select([target]), names);
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
