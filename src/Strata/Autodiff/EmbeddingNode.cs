using System.Globalization;

namespace Strata.Autodiff;

/// <summary>
/// Row lookup: integer indices [..] (held as floats) pick rows of an embedding matrix [rows, width],
/// giving [.., width]. The backward pass adds each output row's gradient into the row it was read
/// from (a scatter-add, so a word used twice gets both gradients); the indices get none.
/// </summary>
internal sealed class EmbeddingNode : Node
{
    private readonly int[] _rows;
    private readonly string _owner;

    public EmbeddingNode(Node indices, Node embeddings, string owner)
        : base(indices.Graph, [.. indices.Value.Shape, embeddings.Value.Dim(1)], indices, embeddings)
    {
        _rows = new int[indices.Value.Size];
        _owner = owner;
        RequiresGradient = Flows(embeddings);
    }

    internal override void Forward()
    {
        var indices = Inputs[0].Value.Data;
        var table = Inputs[1].Value;
        int count = table.Dim(0), width = table.Dim(1);
        var y = Value.Data;
        for (int i = 0; i < indices.Length; i++)
        {
            float index = indices[i];
            int row = (int)index;
            // NaN and fractions fail the equality, so only whole indices in range pass.
            if (row != index || row < 0 || row >= count)
                throw new StrataException(string.Format(CultureInfo.InvariantCulture,
                    "{0} received index {1} (position {2} of the batch), outside [0, {3}): input_dim is {3}.", _owner, index, i, count));
            _rows[i] = row;
            table.Data.AsSpan(row * width, width).CopyTo(y.AsSpan(i * width, width));
        }
    }

    internal override void Backward()
    {
        var table = Inputs[1];
        if (!Flows(table)) return;
        int width = table.Value.Dim(1);
        var dy = Gradient!.Data;
        var g = table.Gradient!.Data;
        for (int i = 0; i < _rows.Length; i++)
        {
            var source = dy.AsSpan(i * width, width);
            var target = g.AsSpan(_rows[i] * width, width);
            for (int j = 0; j < width; j++) target[j] += source[j];
        }
    }
}
