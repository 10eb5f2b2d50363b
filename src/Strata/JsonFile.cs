using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata;

/// <summary>Reads a JSON file a user wrote, with errors that give the file, line and column.</summary>
public static class JsonFile
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The file's JSON object; <paramref name="what"/> ("spec") names it when it is something else.</summary>
    public static JsonObject ReadObject(string path, string what)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StrataException($"Cannot read {what} '{path}': {e.Message}", e);
        }
        return ParseObject(text, path, what);
    }

    /// <summary>Parses <paramref name="text"/>, read from <paramref name="path"/>, as a JSON object.</summary>
    public static JsonObject ParseObject(string text, string path, string what)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: Options);
        }
        catch (JsonException e)
        {
            throw new StrataException($"{Position(path, e)}: invalid JSON: {Reason(e)}", e);
        }
        return node as JsonObject ?? throw new StrataException($"{path}: the {what} must be a JSON object{(node is null ? "" : $", not {Describe(node)}")}.");
    }

    /// <summary>"file:line:column", 1-based, where the parser stopped.</summary>
    private static string Position(string path, JsonException e) =>
        e.LineNumber is long line ? $"{path}:{line + 1}:{(e.BytePositionInLine ?? 0) + 1}" : path;

    /// <summary>The parser's reason without its own position suffix ("LineNumber: 2 | BytePositionInLine: 0.").</summary>
    private static string Reason(JsonException e)
    {
        string message = e.Message;
        foreach (var marker in new[] { " Path: ", " LineNumber: ", " | LineNumber: " })
        {
            int at = message.IndexOf(marker, StringComparison.Ordinal);
            if (at > 0) message = message[..at];
        }
        message = message.Trim();
        if (message.Length == 0) return "the text is not JSON";
        return message.EndsWith('.') ? message[..^1] : message;
    }

    private static string Describe(JsonNode node) => node switch
    {
        JsonArray => "a list",
        JsonValue v => $"the value {v.ToJsonString()}",
        _ => node.ToJsonString(),
    };
}
