using System.Runtime.Intrinsics;

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
            bool vector = _set != InstructionSet.Scalar;
            if (width == _channels && Contiguous(start + r0 * _channels, (r1 - r0) * _channels, r1 - r0, first, second))
                return;
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

        // Rows holding every channel in whole vectors of the path's width: one flat loop, the channel
        // chunk cycling. Each channel is still summed row after row, so the bits are those of the per-row loop.
        private unsafe bool Contiguous(int from, int length, int rows, Span<float> first, Span<float> second)
        {
            fixed (float* x = _x, y = _y, f = first, q = second)
            {
                return _set switch
                {
                    InstructionSet.Avx512 => Contiguous<Simd512, Vector512<float>>(x + from, y + from, length, f, q, rows),
                    InstructionSet.Avx2 => Contiguous<Simd256, Vector256<float>>(x + from, y + from, length, f, q, rows),
                    InstructionSet.Portable => Contiguous<Simd128, Vector128<float>>(x + from, y + from, length, f, q, rows),
                    _ => false,
                };
            }
        }

        private unsafe bool Contiguous<TSimd, TVector>(float* x, float* y, int length, float* first, float* second, int rows)
            where TSimd : ISimd<TVector> where TVector : struct
        {
            int width = TSimd.Width;
            if (_channels % width != 0) return false;
            if (_kind == Reduction.Moments)
            {
                for (int i = 0, c = 0; i < length; i += width)
                {
                    TSimd.Store(first + c, TSimd.Add(TSimd.Load(first + c), TSimd.Load(x + i)));
                    if ((c += width) == _channels) c = 0;
                }
                var inverse = TSimd.Broadcast(1f / rows);
                for (int c = 0; c < _channels; c += width) TSimd.Store(first + c, TSimd.Multiply(TSimd.Load(first + c), inverse));
                for (int i = 0, c = 0; i < length; i += width)
                {
                    var d = TSimd.Subtract(TSimd.Load(x + i), TSimd.Load(first + c));
                    TSimd.Store(second + c, TSimd.Add(TSimd.Load(second + c), TSimd.Multiply(d, d)));
                    if ((c += width) == _channels) c = 0;
                }
            }
            else
            {
                for (int i = 0, c = 0; i < length; i += width)
                {
                    var a = TSimd.Load(x + i);
                    TSimd.Store(first + c, TSimd.Add(TSimd.Load(first + c), a));
                    TSimd.Store(second + c, TSimd.Add(TSimd.Load(second + c), TSimd.Multiply(a, TSimd.Load(y + i))));
                    if ((c += width) == _channels) c = 0;
                }
            }
            return true;
        }

        private static void AddRow(ReadOnlySpan<float> x, Span<float> sum, bool vector)
        {
            if (vector) RowKernels.Add(sum, x, sum);
            else for (int j = 0; j < x.Length; j++) sum[j] += x[j];
        }

        private static void SquaredDeviationsRow(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, Span<float> squares, bool vector)
        {
            if (vector) ElementWise.Map<SquaredDeviationOperator>(x, mean, squares);
            else for (int j = 0; j < x.Length; j++) { float d = x[j] - mean[j]; squares[j] += d * d; }
        }

        private static void MultiplyAddRow(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> sum, bool vector)
        {
            if (vector) RowKernels.MultiplyAdd(a, b, sum);
            else for (int j = 0; j < a.Length; j++) sum[j] += a[j] * b[j];
        }
    }
}

/// <summary>z += (x − y)², the square rounded before the add: a row's squared deviations from the mean y.</summary>
internal readonly struct SquaredDeviationOperator : IElementOperator
{
    public static bool ReadsOutput => true;

    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct
    {
        var d = TSimd.Subtract(x, y);
        return TSimd.Add(z, TSimd.Multiply(d, d));
    }

    public static float Apply(float x, float y, float z)
    {
        float d = x - y;
        return z + d * d;
    }
}
