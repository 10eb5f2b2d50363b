using System.Globalization;
using System.Text;

namespace Strata.Formats;

/// <summary>
/// The header of a NumPy <c>.npy</c> array: its data type (<c>descr</c>, such as <c>&lt;f4</c>), whether
/// its values are stored in Fortran (column-major) order, and its shape. In the file it is a Python
/// dict literal, <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }</c>, padded with spaces.
/// </summary>
/// <param name="Descr">The data type: a byte order (<c>&lt;</c>, <c>&gt;</c>, <c>|</c> or <c>=</c>), a kind and a size in bytes.</param>
/// <param name="FortranOrder">Whether the first axis varies fastest in the data.</param>
/// <param name="Shape">The size of each axis; empty for a single value.</param>
public sealed record NpyHeader(string Descr, bool FortranOrder, IReadOnlyList<int> Shape)
{
    /// <summary>The number of values the shape declares (checked against overflow when parsed).</summary>
    public long Count => Shape.Aggregate(1L, (n, d) => n * d);

    /// <summary>
    /// The dict literal for <paramref name="shape"/> as NumPy writes it, padded with spaces and ended by a
    /// newline so that the data after it starts at a multiple of 64 bytes from the start of the file,
    /// <paramref name="prefix"/> bytes (magic, version and header length) coming before it.
    /// </summary>
    internal static byte[] Format(string descr, ReadOnlySpan<int> shape, int prefix)
    {
        var dims = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++) dims[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        // Python writes a one-element tuple with a trailing comma: (3,).
        string tuple = shape.Length == 1 ? $"({dims[0]},)" : $"({string.Join(", ", dims)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple}, }}";
        int padded = (prefix + dict.Length + 1 + 63) / 64 * 64 - prefix;
        return Encoding.ASCII.GetBytes(dict.PadRight(padded - 1) + "\n");
    }

    /// <summary>Parses the dict literal of a header; <paramref name="name"/> names the file in errors.</summary>
    internal static NpyHeader Parse(string text, string name)
    {
        var parser = new Parser(text, name);
        var dict = parser.ParseDict();
        string Missing(string key) => $"{name}: the .npy header has no '{key}' ({Quote(text)}).";
        if (!dict.TryGetValue("descr", out var descr)) throw new StrataException(Missing("descr"));
        if (!dict.TryGetValue("fortran_order", out var fortran)) throw new StrataException(Missing("fortran_order"));
        if (!dict.TryGetValue("shape", out var shape)) throw new StrataException(Missing("shape"));
        var unknown = dict.Keys.Except(["descr", "fortran_order", "shape"]).ToList();
        if (unknown.Count > 0) throw new StrataException($"{name}: the .npy header has the unknown key '{unknown[0]}'.");
        if (descr is not string type)
            throw new StrataException($"{name}: the .npy data type is {(descr is List<object> ? "a structured (record) type" : "not a string")}; only plain numeric arrays can be read.");
        if (fortran is not bool isFortran) throw new StrataException($"{name}: the .npy header's 'fortran_order' is not True or False.");
        if (shape is not List<object> { } dims || !dims.All(d => d is long))
            throw new StrataException($"{name}: the .npy header's 'shape' is not a tuple of integers.");
        var sizes = new int[dims.Count];
        long count = 1;
        for (int i = 0; i < sizes.Length; i++)
        {
            long d = (long)dims[i];
            if (d is < 0 or > int.MaxValue) throw new StrataException($"{name}: the .npy shape has the impossible size {d} on axis {i}.");
            sizes[i] = (int)d;
            count *= d;
            // Beyond 2^31 values no tensor holds the array; checked per axis so the product cannot overflow.
            if (count > int.MaxValue) throw new StrataException($"{name}: the .npy shape {Tensors.ShapeOps.Format(sizes.AsSpan(0, i + 1))}... declares more than {int.MaxValue} values.");
        }
        return new NpyHeader(type, isFortran, Array.AsReadOnly(sizes));
    }

    private static string Quote(string text) => text.Length <= 80 ? text.Trim() : text[..80] + "...";

    /// <summary>
    /// The subset of Python literals NumPy headers use: dicts, quoted strings, True/False, integers,
    /// and tuples or lists of them (a structured type's <c>descr</c> is a list).
    /// </summary>
    private sealed class Parser(string text, string name)
    {
        private int _at;
        private int _depth;

        public Dictionary<string, object> ParseDict()
        {
            SkipSpace();
            if (Peek() != '{') throw Error("the header is not a dict");
            var value = (Dictionary<string, object>)ParseValue();
            SkipSpace();
            if (_at != text.Length) throw Error("the header continues after its dict");
            return value;
        }

        private object ParseValue()
        {
            SkipSpace();
            // Nesting is bounded so a hostile header cannot exhaust the stack.
            if (++_depth > 16) throw Error("the header nests too deeply");
            try
            {
                char c = Peek();
                if (c == '{') return ParseDictBody();
                if (c is '(' or '[') return ParseSequence(c == '(' ? ')' : ']');
                if (c is '\'' or '"') return ParseString();
                if (c == '-' || char.IsAsciiDigit(c)) return ParseInteger();
                if (TryWord("True")) return true;
                if (TryWord("False")) return false;
                throw Error($"unexpected '{c}' at position {_at}");
            }
            finally { _depth--; }
        }

        private Dictionary<string, object> ParseDictBody()
        {
            _at++;
            var dict = new Dictionary<string, object>();
            while (true)
            {
                SkipSpace();
                if (Peek() == '}') { _at++; return dict; }
                if (ParseValue() is not string key) throw Error("a key of the header is not a string");
                SkipSpace();
                if (Peek() != ':') throw Error($"expected ':' after '{key}'");
                _at++;
                if (!dict.TryAdd(key, ParseValue())) throw Error($"the key '{key}' appears twice");
                if (!Separator('}')) throw Error("expected ',' or '}' in the header");
            }
        }

        private List<object> ParseSequence(char close)
        {
            _at++;
            var items = new List<object>();
            while (true)
            {
                SkipSpace();
                if (Peek() == close) { _at++; return items; }
                items.Add(ParseValue());
                if (!Separator(close)) throw Error($"expected ',' or '{close}' in the header");
            }
        }

        /// <summary>After an item: a comma (consumed), or the closing bracket (left for the caller).</summary>
        private bool Separator(char close)
        {
            SkipSpace();
            if (Peek() == ',') { _at++; return true; }
            return Peek() == close;
        }

        private string ParseString()
        {
            char quote = text[_at++];
            int end = text.IndexOf(quote, _at);
            if (end < 0) throw Error("a string in the header is not closed");
            string value = text[_at..end];
            _at = end + 1;
            return value;
        }

        private long ParseInteger()
        {
            int start = _at;
            if (Peek() == '-') _at++;
            while (_at < text.Length && char.IsAsciiDigit(text[_at])) _at++;
            // Python 2 headers may write long integers with an L suffix.
            string digits = text[start.._at];
            if (_at < text.Length && text[_at] == 'L') _at++;
            if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
                throw Error($"'{digits}' is not an integer that fits");
            return value;
        }

        private bool TryWord(string word)
        {
            if (string.CompareOrdinal(text, _at, word, 0, word.Length) != 0) return false;
            _at += word.Length;
            return true;
        }

        private char Peek() => _at < text.Length ? text[_at] : throw Error("the header ends early");

        private void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
        }

        private StrataException Error(string what) => new($"{name}: damaged .npy header: {what} ({Quote(text)}).");
    }
}
