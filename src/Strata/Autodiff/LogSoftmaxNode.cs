namespace Strata.Autodiff;

/// <summary>log softmax over the last axis, stable for large logits; dx = dy − softmax·Σdy.</summary>
internal sealed class LogSoftmaxNode : Node
{
    private readonly int _rowLength;

    public LogSoftmaxNode(Node x) : base(x.Graph, x.Value.ShapeArray(), x) => _rowLength = x.Shape[^1];

    internal override void Forward()
    {
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        for (int r = 0; r < x.Length; r += _rowLength)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < _rowLength; j++) max = MathF.Max(max, x[r + j]);
            double sum = 0;
            for (int j = 0; j < _rowLength; j++) sum += Math.Exp(x[r + j] - max);
            float logSum = max + (float)Math.Log(sum);
            for (int j = 0; j < _rowLength; j++) y[r + j] = x[r + j] - logSum;
        }
    }

    internal override void Backward()
    {
        var y = Value.Data;
        var dy = Gradient!.Data;
        var dx = Inputs[0].Gradient!.Data;
        for (int r = 0; r < y.Length; r += _rowLength)
        {
            float total = 0;
            for (int j = 0; j < _rowLength; j++) total += dy[r + j];
            for (int j = 0; j < _rowLength; j++) dx[r + j] += dy[r + j] - MathF.Exp(y[r + j]) * total;
        }
    }
}
