using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// Weighted Channel Dropout (Hou &amp; Wang 2019) on channels-last inputs [N, ..., C], drawn afresh on
/// every forward pass. Per sample: each channel's score sᵢ is its global average (negative averages
/// count as 0: the method expects inputs after ReLU); weighted random selection keeps the M channels
/// with the largest keys rᵢ^(1/sᵢ), rᵢ uniform in (0, 1), so a channel is kept more often the higher
/// its score (for M = 1 with probability sᵢ/Σs); a random number generator then keeps each selected
/// channel with probability 1 − random_rate; kept channels are scaled by α = Σ all scores / Σ selected
/// scores. y = x·maskᶜ·α. The gradient is exact for the drawn selection, α's dependence on x included.
/// </summary>
internal sealed class WeightedChannelDropoutNode : Node
{
    private readonly int _samples, _positions, _channels, _selected;
    private readonly float _randomRate;
    private readonly RandomStream _random;
    private readonly float[] _scores, _mask, _alpha, _allScores, _selectedScores, _keys;
    private readonly int[] _order;
    private readonly bool[] _chosen;
    private readonly Comparison<int> _byKey;

    public WeightedChannelDropoutNode(Node x, int selected, float randomRate, RandomStream random)
        : base(x.Graph, x.Value.ShapeArray(), x)
    {
        _samples = x.Shape[0];
        _channels = x.Shape[^1];
        _positions = x.Value.Size / Math.Max(1, _samples * _channels);
        _selected = Math.Clamp(selected, 1, _channels);
        _randomRate = randomRate;
        _random = random;
        _scores = new float[_samples * _channels];
        _mask = new float[_samples * _channels];
        _alpha = new float[_samples];
        _allScores = new float[_samples];
        _selectedScores = new float[_samples];
        _keys = new float[_channels];
        _order = new int[_channels];
        _chosen = new bool[_samples * _channels];
        _byKey = (a, b) => _keys[a] != _keys[b] ? _keys[a].CompareTo(_keys[b]) : a.CompareTo(b);
    }

    /// <summary>The last draw's channel mask, [samples, channels]: 1 for kept channels, 0 for dropped ones (before α).</summary>
    public ReadOnlySpan<float> Mask => _mask;

    internal override void Forward()
    {
        // Its draws are indexed by the batch's size, which differs between a rank's share and the whole batch.
        if (Graph.Communicator.Size > 1)
            throw new StrataException("WeightedChannelDropout cannot yet train with the batch shared among ranks.");
        ulong key = _random.NextKey();
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        int c = _channels;
        for (int n = 0; n < _samples; n++)
        {
            var scores = _scores.AsSpan(n * c, c);
            scores.Clear();
            for (int p = 0; p < _positions; p++)
                for (int ch = 0; ch < c; ch++) scores[ch] += x[(n * _positions + p) * c + ch];
            double all = 0;
            for (int ch = 0; ch < c; ch++)
            {
                scores[ch] = Math.Max(0f, scores[ch] / _positions);
                all += scores[ch];
                float r = RandomGenerator.Uniform(key, (ulong)(n * c + ch));
                // Keys are compared by their logarithm, log(r)/s, which keeps order and avoids underflow; s = 0 ranks last.
                _keys[ch] = scores[ch] > 0 ? -(float)(Math.Log(Math.Max(r, 1e-30f)) / scores[ch]) : float.PositiveInfinity;
                _order[ch] = ch;
            }
            // Ascending −log key is descending key; ties (zero scores) fall back to the channel order.
            Array.Sort(_order, _byKey);
            var mask = _mask.AsSpan(n * c, c);
            mask.Clear();
            _chosen.AsSpan(n * c, c).Clear();
            double chosen = 0;
            for (int k = 0; k < _selected; k++)
            {
                int ch = _order[k];
                chosen += scores[ch];
                _chosen[n * c + ch] = true;
                bool kept = RandomGenerator.Uniform(key, (ulong)(_samples * c + n * c + ch)) >= _randomRate;
                mask[ch] = kept ? 1f : 0f;
            }
            _allScores[n] = (float)all;
            _selectedScores[n] = (float)chosen;
            _alpha[n] = chosen > 0 ? (float)(all / chosen) : 1f;
            for (int p = 0; p < _positions; p++)
                for (int ch = 0; ch < c; ch++)
                {
                    int i = (n * _positions + p) * c + ch;
                    y[i] = x[i] * mask[ch] * _alpha[n];
                }
        }
    }

    internal override void Backward()
    {
        var x = Inputs[0].Value.Data;
        var dx = Inputs[0].Gradient!.Data;
        var dy = Gradient!.Data;
        int c = _channels;
        for (int n = 0; n < _samples; n++)
        {
            var mask = _mask.AsSpan(n * c, c);
            var scores = _scores.AsSpan(n * c, c);
            // dL/dα = Σ dy·x·mask over the sample; α = S/Ŝ moves with every score that is positive.
            double dAlpha = 0;
            for (int p = 0; p < _positions; p++)
                for (int ch = 0; ch < c; ch++)
                {
                    int i = (n * _positions + p) * c + ch;
                    dAlpha += dy[i] * x[i] * mask[ch];
                }
            float all = _allScores[n], chosen = _selectedScores[n];
            for (int ch = 0; ch < c; ch++)
            {
                double dAlphaDScore = 0;
                if (chosen > 0 && scores[ch] > 0)
                    dAlphaDScore = (1.0 / chosen) - (_chosen[n * c + ch] ? all / ((double)chosen * chosen) : 0);
                float fromAlpha = (float)(dAlpha * dAlphaDScore / _positions);
                for (int p = 0; p < _positions; p++)
                {
                    int i = (n * _positions + p) * c + ch;
                    dx[i] += dy[i] * mask[ch] * _alpha[n] + fromAlpha;
                }
            }
        }
    }
}
