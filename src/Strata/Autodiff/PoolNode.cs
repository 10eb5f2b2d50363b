using System.Numerics;
using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// Max or average pooling over windows of channels-last maps, vectorised across channels. Max
/// backward sends each gradient to the window's first position holding the maximum (found again
/// rather than stored); average divides by the number of window positions inside the map (padding
/// is not counted, as Keras/TensorFlow do). Work is split
/// by image, and every image's gradient is written by one item, so results are thread-count independent.
/// </summary>
internal sealed class PoolNode : Node
{
    private readonly ConvGeometry _g;
    private readonly bool _max;
    private readonly PoolTask _task;

    public PoolNode(Node x, ConvGeometry geometry, bool max)
        : base(x.Graph, [geometry.Batch, geometry.OutputHeight, geometry.OutputWidth, geometry.Channels], x)
    {
        if (geometry.OutputHeight <= 0 || geometry.OutputWidth <= 0)
            throw new StrataException($"The pooling window does not fit the input {ShapeOps.Format(x.Shape)}.");
        _g = geometry;
        _max = max;
        _task = new PoolTask(this);
    }

    internal override void Forward() => _task.Run(backward: false);

    internal override void Backward() => _task.Run(backward: true);

    private sealed class PoolTask(PoolNode node) : ParallelTask
    {
        private bool _backward;

        public void Run(bool backward)
        {
            _backward = backward;
            WorkerPool.Run(this, node._g.Batch);
        }

        public override void Execute(int n)
        {
            if (_backward) node.BackwardImage(n);
            else node.ForwardImage(n);
        }
    }

    private void ForwardImage(int n)
    {
        var g = _g;
        int c = g.Channels;
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        for (int oh = 0; oh < g.OutputHeight; oh++)
            for (int ow = 0; ow < g.OutputWidth; ow++)
            {
                int o = ((n * g.OutputHeight + oh) * g.OutputWidth + ow) * c;
                var yo = y.AsSpan(o, c);
                if (!_max) yo.Clear();
                int count = 0;
                for (int i = 0; i < g.WindowHeight; i++)
                {
                    int ih = g.InputRow(oh, i);
                    if (ih < 0 || ih >= g.Height) continue;
                    for (int j = 0; j < g.WindowWidth; j++)
                    {
                        int iw = g.InputColumn(ow, j);
                        if (iw < 0 || iw >= g.Width) continue;
                        int s = ((n * g.Height + ih) * g.Width + iw) * c;
                        count++;
                        if (!_max) RowKernels.Add(yo, x.AsSpan(s, c), yo);
                        else if (count == 1) x.AsSpan(s, c).CopyTo(yo);
                        else RowKernels.Maximum(yo, x.AsSpan(s, c), yo);
                    }
                }
                if (!_max)
                {
                    float inv = count > 0 ? 1f / count : 0f;
                    for (int ch = 0; ch < c; ch++) yo[ch] *= inv;
                }
            }
    }

    private void BackwardImage(int n)
    {
        var g = _g;
        int c = g.Channels;
        var x = Inputs[0].Value.Data;
        var y = Value.Data;
        var dx = Inputs[0].Gradient!.Data;
        var dy = Gradient!.Data;
        for (int oh = 0; oh < g.OutputHeight; oh++)
            for (int ow = 0; ow < g.OutputWidth; ow++)
            {
                int o = ((n * g.OutputHeight + oh) * g.OutputWidth + ow) * c;
                if (_max)
                {
                    MaxBackward(n, oh, ow, o, x, y, dx, dy);
                    continue;
                }
                int count = 0;
                for (int pass = 0; pass < 2; pass++)
                    for (int i = 0; i < g.WindowHeight; i++)
                    {
                        int ih = g.InputRow(oh, i);
                        if (ih < 0 || ih >= g.Height) continue;
                        for (int j = 0; j < g.WindowWidth; j++)
                        {
                            int iw = g.InputColumn(ow, j);
                            if (iw < 0 || iw >= g.Width) continue;
                            if (pass == 0) { count++; continue; }
                            int s = ((n * g.Height + ih) * g.Width + iw) * c;
                            float inv = 1f / count;
                            for (int ch = 0; ch < c; ch++) dx[s + ch] += dy[o + ch] * inv;
                        }
                    }
            }
    }

    /// <summary>
    /// Routes each channel's gradient to the first window position (in row order) that holds the
    /// maximum, as TensorFlow does on ties: whole vectors of channels at a time, with a mask of the
    /// channels already routed.
    /// </summary>
    private void MaxBackward(int n, int oh, int ow, int o, float[] x, float[] y, float[] dx, float[] dy)
    {
        var g = _g;
        Span<int> window = stackalloc int[g.WindowHeight * g.WindowWidth];
        int positions = _g.WindowOffsets(n, oh, ow, window);
        int c = g.Channels, width = Vector<float>.Count, vectorEnd = c - c % width;
        for (int ch = 0; ch < vectorEnd; ch += width)
        {
            var max = new Vector<float>(y, o + ch);
            var gradient = new Vector<float>(dy, o + ch);
            var routed = Vector<int>.Zero;
            for (int p = 0; p < positions; p++)
            {
                int s = window[p] + ch;
                var hit = Vector.AndNot(Vector.Equals(new Vector<float>(x, s), max), routed);
                if (hit == Vector<int>.Zero) continue;
                (new Vector<float>(dx, s) + Vector.ConditionalSelect(hit, gradient, Vector<float>.Zero)).CopyTo(dx, s);
                routed |= hit;
            }
        }
        for (int ch = vectorEnd; ch < c; ch++)
            for (int p = 0; p < positions; p++)
            {
                int s = window[p] + ch;
                if (x[s] != y[o + ch]) continue;
                dx[s] += dy[o + ch];
                break;
            }
    }
}
