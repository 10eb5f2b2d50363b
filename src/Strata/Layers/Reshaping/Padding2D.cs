using System.Text.Json.Nodes;

namespace Strata.Layers.Reshaping;

/// <summary>
/// The rows and columns of zeros <see cref="ZeroPadding2D"/> adds on each side, written as Keras
/// writes padding: ((top, bottom), (left, right)).
/// </summary>
/// <param name="Top">The rows added above.</param>
/// <param name="Bottom">The rows added below.</param>
/// <param name="Left">The columns added on the left.</param>
/// <param name="Right">The columns added on the right.</param>
public sealed record Padding2D(int Top, int Bottom, int Left, int Right)
{
    /// <summary>Keras's form: [[top, bottom], [left, right]].</summary>
    public JsonNode ToConfig() => new JsonArray(new JsonArray(Top, Bottom), new JsonArray(Left, Right));

    /// <summary>
    /// Reads the three forms Keras accepts: one integer for every side, [rows, columns] (each on
    /// both sides) or [[top, bottom], [left, right]]; <paramref name="where"/> names the key in errors.
    /// </summary>
    public static Padding2D FromConfig(JsonNode? node, string where)
    {
        int Whole(JsonNode? n) => ConfigReader.Number(n) is double d && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue ? (int)d
            : throw new StrataException($"Expected an integer, [rows, columns] or [[top, bottom], [left, right]] for {where}. Received: {node?.ToJsonString() ?? "null"}");
        switch (node)
        {
            case JsonArray { Count: 2 } sides when sides[0] is JsonArray { Count: 2 } rows && sides[1] is JsonArray { Count: 2 } columns:
                return new(Whole(rows[0]), Whole(rows[1]), Whole(columns[0]), Whole(columns[1]));
            case JsonArray { Count: 2 } symmetric:
                return new(Whole(symmetric[0]), Whole(symmetric[0]), Whole(symmetric[1]), Whole(symmetric[1]));
            default:
                int all = Whole(node);
                return new(all, all, all, all);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"(({Top}, {Bottom}), ({Left}, {Right}))";
}
