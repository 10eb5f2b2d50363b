using System.Runtime.Intrinsics;

namespace Strata.Kernels;

internal static partial class Moments
{
    /// <summary>The channels-last layout: a grid of row blocks by groups of up to 64 channels, vectorised across channels.</summary>
    private sealed partial class MomentsTask
    {
        private unsafe void ExecuteRows(int index)
        {
            int b = index / (Blocks * _groups), k = index / _groups % Blocks, c0 = index % _groups * ChannelsPerItem;
            int width = Math.Min(ChannelsPerItem, _channels - c0);
            int r0 = k * _blockLength, r1 = r0 + BlockValues(k);
            int start = _offset + b * _outer * _channels + c0;
            var first = First.AsSpan(Partial(b, k, c0), width);
            var second = Second.AsSpan(Partial(b, k, c0), width);
            fixed (float* x = _x, y = _y, mean = Mean, invStd = InvStd)
            fixed (double* f = first, q = second)
            {
                float* xs = x + start + (long)r0 * _channels, ys = y is null ? null : y + start + (long)r0 * _channels;
                float* ms = mean is null ? null : mean + c0, ss = invStd is null ? null : invStd + c0;
                int j = 0;
                switch (_set)
                {
                    case InstructionSet.Avx512: j = Strips<Simd512, Vector512<float>, Vector512<double>>(xs, ys, ms, ss, f, q, r1 - r0, width); break;
                    case InstructionSet.Avx2: j = Strips<Simd256, Vector256<float>, Vector256<double>>(xs, ys, ms, ss, f, q, r1 - r0, width); break;
                    case InstructionSet.Portable: j = Strips<Simd128, Vector128<float>, Vector128<double>>(xs, ys, ms, ss, f, q, r1 - r0, width); break;
                }
                for (; j < width; j++)
                    ScalarStrip(xs + j, ys is null ? null : ys + j, ms is null ? null : ms + j, ss is null ? null : ss + j, f + j, q + j, r1 - r0);
            }
        }

        // The block's whole vectors of channels, one strip of Width channels at a time, its sums held in registers
        // while the rows (_channels apart) stream by. Each channel is summed row after row in double, so every
        // path gives the bits of ScalarStrip. With a mean and invStd (not null) Sums reads y as (y − mean)·invStd.
        // Returns the channels done.
        private unsafe int Strips<TSimd, TVector, TDouble>(float* x, float* y, float* mean, float* invStd, double* first, double* second, int rows, int width)
            where TSimd : ISimd<TVector>, IWidening<TVector, TDouble> where TVector : struct where TDouble : struct
        {
            int half = TSimd.Width / 2, j = 0;
            for (; j + TSimd.Width <= width; j += TSimd.Width)
            {
                var (f0, f1) = (TSimd.WideZero, TSimd.WideZero);
                var (q0, q1) = (TSimd.WideZero, TSimd.WideZero);
                float* a = x + j, b = y + j;
                if (_kind == Reduction.Moments)
                {
                    for (int r = 0; r < rows; r++)
                    {
                        var (l, h) = TSimd.Widen(TSimd.Load(a + (long)r * _channels));
                        (f0, f1) = (TSimd.AddWide(f0, l), TSimd.AddWide(f1, h));
                    }
                    TSimd.StoreWide(first + j, f0);
                    TSimd.StoreWide(first + j + half, f1);
                    for (int i = j; i < j + TSimd.Width; i++) first[i] /= rows;
                    (f0, f1) = (TSimd.LoadWide(first + j), TSimd.LoadWide(first + j + half));
                    for (int r = 0; r < rows; r++)
                    {
                        var (l, h) = TSimd.Widen(TSimd.Load(a + (long)r * _channels));
                        var (d0, d1) = (TSimd.SubtractWide(l, f0), TSimd.SubtractWide(h, f1));
                        (q0, q1) = (TSimd.AddWide(q0, TSimd.MultiplyWide(d0, d0)), TSimd.AddWide(q1, TSimd.MultiplyWide(d1, d1)));
                    }
                }
                else if (mean is not null)
                {
                    var (m, s) = (TSimd.Load(mean + j), TSimd.Load(invStd + j));
                    for (int r = 0; r < rows; r++)
                    {
                        long o = (long)r * _channels;
                        var (l, h) = TSimd.Widen(TSimd.Load(a + o));
                        var (u, v) = TSimd.Widen(TSimd.Multiply(TSimd.Subtract(TSimd.Load(b + o), m), s));
                        (f0, f1) = (TSimd.AddWide(f0, l), TSimd.AddWide(f1, h));
                        (q0, q1) = (TSimd.AddWide(q0, TSimd.MultiplyWide(l, u)), TSimd.AddWide(q1, TSimd.MultiplyWide(h, v)));
                    }
                    TSimd.StoreWide(first + j, f0);
                    TSimd.StoreWide(first + j + half, f1);
                }
                else
                {
                    for (int r = 0; r < rows; r++)
                    {
                        long o = (long)r * _channels;
                        var (l, h) = TSimd.Widen(TSimd.Load(a + o));
                        var (u, v) = TSimd.Widen(TSimd.Load(b + o));
                        (f0, f1) = (TSimd.AddWide(f0, l), TSimd.AddWide(f1, h));
                        (q0, q1) = (TSimd.AddWide(q0, TSimd.MultiplyWide(l, u)), TSimd.AddWide(q1, TSimd.MultiplyWide(h, v)));
                    }
                    TSimd.StoreWide(first + j, f0);
                    TSimd.StoreWide(first + j + half, f1);
                }
                TSimd.StoreWide(second + j, q0);
                TSimd.StoreWide(second + j + half, q1);
            }
            return j;
        }

        // One channel of the block: the scalar path, and the channels after the whole vectors.
        private unsafe void ScalarStrip(float* x, float* y, float* mean, float* invStd, double* first, double* second, int rows)
        {
            double f = 0, q = 0;
            if (_kind == Reduction.Moments)
            {
                for (int r = 0; r < rows; r++) f += x[(long)r * _channels];
                f /= rows;
                for (int r = 0; r < rows; r++) { double d = x[(long)r * _channels] - f; q += d * d; }
            }
            else if (mean is not null)
            {
                float m = *mean, s = *invStd;
                for (int r = 0; r < rows; r++) { long o = (long)r * _channels; f += x[o]; q += (double)x[o] * ((y[o] - m) * s); }
            }
            else
            {
                for (int r = 0; r < rows; r++) { long o = (long)r * _channels; f += x[o]; q += (double)x[o] * y[o]; }
            }
            *first = f;
            *second = q;
        }
    }
}
