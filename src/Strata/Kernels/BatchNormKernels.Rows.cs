using System.Numerics;
using System.Runtime.InteropServices;

namespace Strata.Kernels;

internal static partial class BatchNormKernels
{
    /// <summary>The element passes over channels-last rows: per row, or flat over blocks of whole-vector rows.</summary>
    private sealed partial class BatchNormTask
    {
        private void ExecuteRows(int r0, int r1, int c0, int width)
        {
            if (width == Channels && Channels % Vector<float>.Count == 0)
            {
                ExecuteContiguous(r0, r1);
                return;
            }
            for (int r = r0; r < r1; r++)
            {
                int o = r * Channels + c0;
                if (_pass == GridPass.Normalize)
                    NormalizeRow(X.AsSpan(o, width), XHat.AsSpan(o, width), Y.AsSpan(o, width),
                        Mean.AsSpan(c0, width), InvStd.AsSpan(c0, width), _scale.AsSpan(c0, width), _shift.AsSpan(c0, width));
                else
                    InputGradientRow(X.AsSpan(o, width), XHat.AsSpan(o, width), Dx.AsSpan(o, width),
                        _scale.AsSpan(c0, width), _shift.AsSpan(c0, width), _meanDyXHat.AsSpan(c0, width));
            }
        }

        /// <summary>
        /// The passes over a block whose rows hold every channel in whole vectors: one flat loop over
        /// the block's vectors, the channel chunk cycling, instead of a call per row.
        /// </summary>
        private void ExecuteContiguous(int r0, int r1)
        {
            int chunks = Channels / Vector<float>.Count, start = r0 * Channels, length = (r1 - r0) * Channels;
            if (_pass == GridPass.Normalize)
            {
                var x = Vectors(X, start, length);
                var xhat = Vectors(XHat, start, length);
                var y = Vectors(Y, start, length);
                var mean = Vectors(Mean, 0, Channels);
                var invStd = Vectors(InvStd, 0, Channels);
                var scale = Vectors(_scale, 0, Channels);
                var shift = Vectors(_shift, 0, Channels);
                for (int v = 0, q = 0; v < x.Length; v++)
                {
                    var h = (x[v] - mean[q]) * invStd[q];
                    xhat[v] = h;
                    y[v] = h * scale[q] + shift[q];
                    if (++q == chunks) q = 0;
                }
            }
            else
            {
                var dy = Vectors(X, start, length);
                var xhat = Vectors(XHat, start, length);
                var dx = Vectors(Dx, start, length);
                var k = Vectors(_scale, 0, Channels);
                var meanDy = Vectors(_shift, 0, Channels);
                var meanDyXHat = Vectors(_meanDyXHat, 0, Channels);
                for (int v = 0, q = 0; v < dy.Length; v++)
                {
                    dx[v] += k[q] * (dy[v] - meanDy[q] - xhat[v] * meanDyXHat[q]);
                    if (++q == chunks) q = 0;
                }
            }
        }

        private static Span<Vector<float>> Vectors(float[]? values, int start, int length) =>
            MemoryMarshal.Cast<float, Vector<float>>(values.AsSpan(start, length));

        private static void NormalizeRow(ReadOnlySpan<float> x, Span<float> xhat, Span<float> y,
            ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta)
        {
            int j = 0;
            for (; j <= x.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                var h = (new Vector<float>(x[j..]) - new Vector<float>(mean[j..])) * new Vector<float>(invStd[j..]);
                h.CopyTo(xhat[j..]);
                (h * new Vector<float>(gamma[j..]) + new Vector<float>(beta[j..])).CopyTo(y[j..]);
            }
            for (; j < x.Length; j++)
            {
                float h = (x[j] - mean[j]) * invStd[j];
                xhat[j] = h;
                y[j] = h * gamma[j] + beta[j];
            }
        }

        // dx += k·(dy − mean(dy) − x̂·mean(dy·x̂)); the means are zero with moving statistics.
        private static void InputGradientRow(ReadOnlySpan<float> dy, ReadOnlySpan<float> xhat, Span<float> dx,
            ReadOnlySpan<float> k, ReadOnlySpan<float> meanDy, ReadOnlySpan<float> meanDyXHat)
        {
            int j = 0;
            for (; j <= dy.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                var g = new Vector<float>(dy[j..]) - new Vector<float>(meanDy[j..]) - new Vector<float>(xhat[j..]) * new Vector<float>(meanDyXHat[j..]);
                (new Vector<float>(dx[j..]) + new Vector<float>(k[j..]) * g).CopyTo(dx[j..]);
            }
            for (; j < dy.Length; j++) dx[j] += k[j] * (dy[j] - meanDy[j] - xhat[j] * meanDyXHat[j]);
        }
    }
}
