namespace Strata.Autodiff;

/// <summary>
/// y = x·<see cref="Graph.LossScale"/>: a penalty term of a loss whose mean is over the whole batch of ranks
/// (<see cref="Graph.MeansOverGlobalBatch"/>), so that the ranks' shares of it add up to it; in one process it is x.
/// </summary>
internal sealed class LossShareNode(Node x) : Node(x.Graph, x.Value.ShapeArray(), x)
{
    internal override void Forward()
    {
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        float share = Graph.LossScale;
        for (int i = 0; i < y.Length; i++) y[i] = x[i] * share;
    }

    internal override void Backward()
    {
        var dx = Inputs[0].Gradient!.Data;
        var dy = Gradient!.Data;
        float share = Graph.LossScale;
        for (int i = 0; i < dy.Length; i++) dx[i] += dy[i] * share;
    }
}
