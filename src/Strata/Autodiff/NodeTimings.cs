using System.Diagnostics;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>One node's share of the time spent in graph passes since timing was switched on.</summary>
public sealed record NodeTiming(string Node, string Shape, double ForwardMilliseconds, double BackwardMilliseconds, long Calls);

/// <summary>
/// Wall time of every node's forward and backward pass, for finding where a training step goes.
/// Off by default: when off, graphs run without looking at a clock.
/// </summary>
public static class NodeTimings
{
    private static readonly Dictionary<Node, (int Index, long Forward, long Backward, long Calls)> Totals = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Whether graph passes time each node (process-wide; off by default). Timing adds clock reads and a table update
    /// per node, so switch it on only to profile.
    /// </summary>
    public static bool Enabled { get; set; }

    /// <summary>Every timed node, the most expensive first.</summary>
    public static IReadOnlyList<NodeTiming> Collect()
    {
        double ms = 1000.0 / Stopwatch.Frequency;
        return Totals
            .OrderByDescending(e => e.Value.Forward + e.Value.Backward)
            .Select(e => new NodeTiming($"{e.Key.GetType().Name.Replace("Node", "")}#{e.Value.Index}", ShapeOps.Format(e.Key.Shape),
                e.Value.Forward * ms, e.Value.Backward * ms, e.Value.Calls))
            .ToList();
    }

    internal static void Forward(Node node, int index) => Time(node, index, backward: false);

    internal static void Backward(Node node, int index) => Time(node, index, backward: true);

    private static void Time(Node node, int index, bool backward)
    {
        long start = Stopwatch.GetTimestamp();
        if (backward) node.Backward();
        else node.Forward();
        long elapsed = Stopwatch.GetTimestamp() - start;
        var t = Totals.GetValueOrDefault(node, (index, 0, 0, 0));
        Totals[node] = backward
            ? (index, t.Forward, t.Backward + elapsed, t.Calls)
            : (index, t.Forward + elapsed, t.Backward, t.Calls + 1);
    }
}
