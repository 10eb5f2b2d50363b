using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// Max-pooling dropout (Wu &amp; Gu 2015) over channels-last maps. With a random stream (training):
/// each input unit is kept with probability q = 1 − rate, drawn once per unit so overlapping
/// windows agree, and each window outputs the maximum of its kept units (0 when none is kept),
/// unscaled; the gradient goes to that unit. Without one (inference): the probabilistic weighted
/// pooling Σⱼ q·rateⁿ⁻ʲ·aⱼ over the window's n in-map activations sorted a₁ ≤ … ≤ aₙ, which is the
/// expectation of the training output, since aⱼ is the kept maximum exactly when it is kept and the
/// n − j larger ones are dropped. Positions in the padding are not part of any window.
/// </summary>
internal sealed class MaxPoolingDropoutNode : Node
{
    private readonly ConvGeometry _g;
    private readonly float _rate;
    private readonly RandomStream? _random;
    private readonly int[] _winner;

    public MaxPoolingDropoutNode(Node x, ConvGeometry geometry, float rate, RandomStream? random)
        : base(x.Graph, [geometry.Batch, geometry.OutputHeight, geometry.OutputWidth, geometry.Channels], x)
    {
        if (geometry.OutputHeight <= 0 || geometry.OutputWidth <= 0)
            throw new StrataException($"The pooling window does not fit the input {ShapeOps.Format(x.Shape)}.");
        _g = geometry;
        _rate = rate;
        _random = random;
        _winner = random is null ? [] : new int[Value.Size];
    }

    /// <summary>The weight of the j-th smallest (0-based) of <paramref name="n"/> window values at inference: q·rateⁿ⁻¹⁻ʲ.</summary>
    internal static double Weight(int j, int n, double rate) => (1 - rate) * Math.Pow(rate, n - 1 - j);

    internal override void Forward()
    {
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        ulong key = _random?.NextKey() ?? 0, first = Graph.FirstIndex(x.Length / Math.Max(1, Inputs[0].Shape[0]));
        Span<int> window = stackalloc int[_g.WindowHeight * _g.WindowWidth];
        for (int o = 0; o < y.Length; o++)
        {
            int n = Window(o, window);
            if (_random is null)
            {
                SortByValue(window[..n], x);
                double sum = 0;
                for (int j = 0; j < n; j++) sum += Weight(j, n, _rate) * x[window[j]];
                y[o] = (float)sum;
                continue;
            }
            int winner = -1;
            for (int p = 0; p < n; p++)
            {
                int i = window[p];
                // The same test as inverted dropout's mask, so a unit is dropped for every window holding it.
                if (RandomGenerator.Uniform(key, first + (ulong)i) < _rate) continue;
                if (winner < 0 || x[i] > x[winner]) winner = i;
            }
            _winner[o] = winner;
            y[o] = winner < 0 ? 0f : x[winner];
        }
    }

    internal override void Backward()
    {
        var x = Inputs[0].Value.Data;
        var dx = Inputs[0].Gradient!.Data;
        var dy = Gradient!.Data;
        if (_random is not null)
        {
            for (int o = 0; o < dy.Length; o++)
                if (_winner[o] >= 0) dx[_winner[o]] += dy[o];
            return;
        }
        Span<int> window = stackalloc int[_g.WindowHeight * _g.WindowWidth];
        for (int o = 0; o < dy.Length; o++)
        {
            int n = Window(o, window);
            SortByValue(window[..n], x);
            for (int j = 0; j < n; j++) dx[window[j]] += (float)(Weight(j, n, _rate) * dy[o]);
        }
    }

    /// <summary>Writes the input indices of output <paramref name="o"/>'s window (in-map positions only, row order); returns their count.</summary>
    private int Window(int o, Span<int> window)
    {
        int c = _g.Channels, ch = o % c, position = o / c;
        int ow = position % _g.OutputWidth, oh = position / _g.OutputWidth % _g.OutputHeight, image = position / (_g.OutputWidth * _g.OutputHeight);
        int n = _g.WindowOffsets(image, oh, ow, window);
        for (int p = 0; p < n; p++) window[p] += ch;
        return n;
    }

    /// <summary>Insertion sort of a window's indices by value, ties kept in row order (windows are small).</summary>
    private static void SortByValue(Span<int> indices, float[] x)
    {
        for (int a = 1; a < indices.Length; a++)
        {
            int index = indices[a], b = a - 1;
            for (; b >= 0 && x[indices[b]] > x[index]; b--) indices[b + 1] = indices[b];
            indices[b + 1] = index;
        }
    }
}
