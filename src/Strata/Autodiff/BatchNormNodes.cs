namespace Strata.Autodiff;

/// <summary>The variable nodes a batch-normalization node reads and updates.</summary>
public sealed record BatchNormNodes(Node? Gamma, Node? Beta, Node MovingMean, Node MovingVariance)
{
    /// <summary>How many batches the moving statistics have seen (cumulative averaging only).</summary>
    public Node? Updates { get; init; }

    /// <summary>Batch renormalization's moving mean (μ in d = (μ_batch − μ_moving)/σ_moving); null without renormalization.</summary>
    public Node? RenormMean { get; init; }

    /// <summary>Batch renormalization's moving standard deviation (σ in r = σ_batch/σ_moving); null without renormalization.</summary>
    public Node? RenormStddev { get; init; }

    internal Node[] Collect(Node x)
    {
        var list = new List<Node> { x };
        foreach (var node in new[] { Gamma, Beta, MovingMean, MovingVariance, Updates, RenormMean, RenormStddev })
            if (node is not null) list.Add(node);
        return list.ToArray();
    }
}
