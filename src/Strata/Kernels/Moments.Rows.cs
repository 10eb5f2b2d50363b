using System.Numerics;
using System.Runtime.InteropServices;

namespace Strata.Kernels;

internal static partial class Moments
{
    /// <summary>The channels-last layout: a grid of row blocks by groups of up to 64 channels, vectorised across channels.</summary>
    private sealed partial class MomentsTask
    {
        private void ExecuteRows(int index)
        {
            int b = index / (Blocks * _groups), k = index / _groups % Blocks, c0 = index % _groups * ChannelsPerItem;
            int width = Math.Min(ChannelsPerItem, _channels - c0);
            int r0 = k * _blockLength, r1 = r0 + BlockValues(k);
            int start = _offset + b * _outer * _channels;
            var first = First.AsSpan(Partial(b, k, c0), width);
            var second = Second.AsSpan(Partial(b, k, c0), width);
            first.Clear();
            second.Clear();
            bool vector = !ForceScalar && Vector.IsHardwareAccelerated;
            if (vector && width == _channels && _channels % Vector<float>.Count == 0)
            {
                // Rows holding every channel in whole vectors: one flat loop, the channel chunk cycling.
                // Each channel is still summed row after row, so the bits are those of the per-row loop.
                int from = start + r0 * _channels, length = (r1 - r0) * _channels;
                if (_kind == Reduction.Moments) ContiguousMoments(Vectors(_x!, from, length), first, second, r1 - r0);
                else ContiguousSums(Vectors(_x!, from, length), Vectors(_y!, from, length), first, second);
                return;
            }
            if (_kind == Reduction.Moments)
            {
                for (int r = r0; r < r1; r++) AddRow(_x.AsSpan(start + r * _channels + c0, width), first, vector);
                float inverse = 1f / (r1 - r0);
                for (int j = 0; j < width; j++) first[j] *= inverse;
                for (int r = r0; r < r1; r++) SquaredDeviationsRow(_x.AsSpan(start + r * _channels + c0, width), first, second, vector);
            }
            else
            {
                for (int r = r0; r < r1; r++)
                {
                    int o = start + r * _channels + c0;
                    AddRow(_x.AsSpan(o, width), first, vector);
                    MultiplyAddRow(_x.AsSpan(o, width), _y.AsSpan(o, width), second, vector);
                }
            }
        }

        private static void ContiguousMoments(ReadOnlySpan<Vector<float>> x, Span<float> mean, Span<float> squares, int rows)
        {
            var first = MemoryMarshal.Cast<float, Vector<float>>(mean);
            var second = MemoryMarshal.Cast<float, Vector<float>>(squares);
            int chunks = first.Length;
            for (int v = 0, q = 0; v < x.Length; v++) { first[q] += x[v]; if (++q == chunks) q = 0; }
            var inverse = new Vector<float>(1f / rows);
            for (int q = 0; q < chunks; q++) first[q] *= inverse;
            for (int v = 0, q = 0; v < x.Length; v++) { var d = x[v] - first[q]; second[q] += d * d; if (++q == chunks) q = 0; }
        }

        private static void ContiguousSums(ReadOnlySpan<Vector<float>> a, ReadOnlySpan<Vector<float>> b, Span<float> sumA, Span<float> sumAB)
        {
            var first = MemoryMarshal.Cast<float, Vector<float>>(sumA);
            var second = MemoryMarshal.Cast<float, Vector<float>>(sumAB);
            int chunks = first.Length;
            for (int v = 0, q = 0; v < a.Length; v++)
            {
                first[q] += a[v];
                second[q] += a[v] * b[v];
                if (++q == chunks) q = 0;
            }
        }

        private static ReadOnlySpan<Vector<float>> Vectors(float[] values, int start, int length) =>
            MemoryMarshal.Cast<float, Vector<float>>(values.AsSpan(start, length));

        private static void AddRow(ReadOnlySpan<float> x, Span<float> sum, bool vector)
        {
            if (vector) RowKernels.Add(sum, x, sum);
            else for (int j = 0; j < x.Length; j++) sum[j] += x[j];
        }

        private static void SquaredDeviationsRow(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, Span<float> squares, bool vector)
        {
            int j = 0;
            if (vector)
            {
                var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
                var mv = MemoryMarshal.Cast<float, Vector<float>>(mean);
                var sv = MemoryMarshal.Cast<float, Vector<float>>(squares);
                for (int v = 0; v < xv.Length; v++) { var d = xv[v] - mv[v]; sv[v] += d * d; }
                j = xv.Length * Vector<float>.Count;
            }
            for (; j < x.Length; j++) { float d = x[j] - mean[j]; squares[j] += d * d; }
        }

        private static void MultiplyAddRow(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> sum, bool vector)
        {
            if (vector) RowKernels.MultiplyAdd(a, b, sum);
            else for (int j = 0; j < a.Length; j++) sum[j] += a[j] * b[j];
        }
    }
}
