using System.Numerics;

namespace Strata.Kernels;

/// <summary>
/// Sums per column of rows × columns data (Dense's bias, channels-last BatchNormalization) and per channel of data
/// viewed as [outer, channels, inner]: maxima, Σx, Σ(x − mean)² about a given mean, and BatchNormalization's gradient
/// sums Σdy and Σdy·x̂ (x̂ as the forward pass computes it in float). Columns run on whole vectors widened to double;
/// each vector step is exact or one IEEE rounding per element, as in the scalar tail, so the integers are the same.
/// </summary>
internal static partial class FixedPointSums
{
    [ThreadStatic] private static double[]? t_factors;

    /// <summary>The scale exponent of a sum of terms below 2^<paramref name="exponent"/>, keeping <paramref name="bits"/> bits.</summary>
    public static int Scale(int bits, int exponent) => exponent == NonFinite ? NonFinite : bits - exponent;

    /// <summary>max over rows of |b[r, j]| into max[j] (taking the larger of the two), over rows × n values with row length ldb.</summary>
    public static void ColumnMaxima(ReadOnlySpan<float> b, int ldb, int rows, int n, Span<double> max)
    {
        int w = Vector<float>.Count, h = Vector<double>.Count;
        for (int r = 0; r < rows; r++)
        {
            var row = b.Slice(r * ldb, n);
            int j = 0;
            for (; j + w <= n; j += w)
            {
                Vector.Widen(new Vector<float>(row[j..]), out var lo, out var hi);
                Vector.Max(new Vector<double>(max[j..]), Vector.Abs(lo)).CopyTo(max[j..]);
                Vector.Max(new Vector<double>(max[(j + h)..]), Vector.Abs(hi)).CopyTo(max[(j + h)..]);
            }
            for (; j < n; j++) max[j] = Math.Max(max[j], Math.Abs((double)row[j]));
        }
    }

    /// <summary>c[j] += Σ_r round(b[r, j]·2^scale[j]) over rows × n values (row length ldb); each term must be below 2^51.</summary>
    public static void AddColumnSums(ReadOnlySpan<float> b, int ldb, Span<long> c, int rows, int n, ReadOnlySpan<int> scale)
    {
        if (rows > 0 && b.Length < (long)(rows - 1) * ldb + n || c.Length < n || scale.Length < n)
            throw new ArgumentException("The column sums' operands are shorter than the shapes need.");
        var factors = Factors(scale[..n]);
        int w = Vector<float>.Count, h = Vector<double>.Count;
        var magic = new Vector<double>(Magic);
        for (int r = 0; r < rows; r++)
        {
            var row = b.Slice(r * ldb, n);
            int j = 0;
            for (; j + w <= n; j += w)
            {
                Vector.Widen(new Vector<float>(row[j..]), out var lo, out var hi);
                Accumulate(c[j..], lo * new Vector<double>(factors[j..]) + magic);
                Accumulate(c[(j + h)..], hi * new Vector<double>(factors[(j + h)..]) + magic);
            }
            for (; j < n; j++) c[j] += Round(row[j] * factors[j]);
        }
    }

    /// <summary>max|x| of each channel.</summary>
    public static void ChannelMaxima(float[] x, int outer, int channels, int inner, Span<double> max)
    {
        max[..channels].Clear();
        if (inner == 1) { ColumnMaxima(x, channels, outer, channels, max); return; }
        for (int o = 0; o < outer; o++)
            for (int c = 0; c < channels; c++)
            {
                double m = max[c];
                foreach (float v in x.AsSpan((o * channels + c) * inner, inner)) m = Math.Max(m, Math.Abs((double)v));
                max[c] = m;
            }
    }

    /// <summary>sums[c] += Σ round(x·2^scale[c]) over each channel's values.</summary>
    public static void AddChannelSums(float[] x, int outer, int channels, int inner, ReadOnlySpan<int> scale, Span<long> sums)
    {
        if (inner == 1) { AddColumnSums(x, channels, sums, outer, channels, scale); return; }
        for (int o = 0; o < outer; o++)
            for (int c = 0; c < channels; c++)
            {
                double factor = Factor(scale[c]);
                long s = 0;
                foreach (float v in x.AsSpan((o * channels + c) * inner, inner)) s += Round(v * factor);
                sums[c] += s;
            }
    }

    /// <summary>sums[c] += Σ round((x − mean[c])²·2^scale[c]), the difference and its square each rounded in double.</summary>
    public static void AddChannelSquaredDeviations(float[] x, int outer, int channels, int inner, ReadOnlySpan<double> mean,
        ReadOnlySpan<int> scale, Span<long> sums)
    {
        var factors = Factors(scale[..channels]);
        int w = Vector<float>.Count, h = Vector<double>.Count;
        var magic = new Vector<double>(Magic);
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                var row = x.AsSpan(o * channels, channels);
                int j = 0;
                for (; j + w <= channels; j += w)
                {
                    Vector.Widen(new Vector<float>(row[j..]), out var lo, out var hi);
                    var (dl, dh) = (lo - new Vector<double>(mean[j..]), hi - new Vector<double>(mean[(j + h)..]));
                    Accumulate(sums[j..], dl * dl * new Vector<double>(factors[j..]) + magic);
                    Accumulate(sums[(j + h)..], dh * dh * new Vector<double>(factors[(j + h)..]) + magic);
                }
                for (; j < channels; j++)
                {
                    double d = row[j] - mean[j];
                    sums[j] += Round(d * d * factors[j]);
                }
                continue;
            }
            for (int c = 0; c < channels; c++)
            {
                double m = mean[c];
                long s = 0;
                foreach (float v in x.AsSpan((o * channels + c) * inner, inner))
                {
                    double d = v - m;
                    s += Round(d * d * factors[c]);
                }
                sums[c] += s;
            }
        }
    }

    /// <summary>max|dy| and max|dy·x̂| of each channel, x̂ = (x − mean)·invStd in float as the forward pass computed it.</summary>
    public static void GradientMaxima(float[] dy, float[] x, float[] mean, float[] invStd, int outer, int channels, int inner,
        Span<double> maxDy, Span<double> maxProduct)
    {
        maxDy[..channels].Clear();
        maxProduct[..channels].Clear();
        int w = Vector<float>.Count, h = Vector<double>.Count;
        for (int o = 0; o < outer; o++)
        {
            int j = 0;
            if (inner == 1)
            {
                int at = o * channels;
                for (; j + w <= channels; j += w)
                {
                    var xh = (new Vector<float>(x.AsSpan(at + j)) - new Vector<float>(mean.AsSpan(j))) * new Vector<float>(invStd.AsSpan(j));
                    Vector.Widen(new Vector<float>(dy.AsSpan(at + j)), out var dl, out var dh);
                    Vector.Widen(xh, out var hl, out var hh);
                    Vector.Max(new Vector<double>(maxDy[j..]), Vector.Abs(dl)).CopyTo(maxDy[j..]);
                    Vector.Max(new Vector<double>(maxDy[(j + h)..]), Vector.Abs(dh)).CopyTo(maxDy[(j + h)..]);
                    Vector.Max(new Vector<double>(maxProduct[j..]), Vector.Abs(dl * hl)).CopyTo(maxProduct[j..]);
                    Vector.Max(new Vector<double>(maxProduct[(j + h)..]), Vector.Abs(dh * hh)).CopyTo(maxProduct[(j + h)..]);
                }
            }
            for (int c = j; c < channels; c++)
            {
                int start = (o * channels + c) * inner;
                float m = mean[c], inv = invStd[c];
                double md = maxDy[c], mp = maxProduct[c];
                for (int k = start; k < start + inner; k++)
                {
                    float xh = (x[k] - m) * inv;
                    md = Math.Max(md, Math.Abs((double)dy[k]));
                    mp = Math.Max(mp, Math.Abs((double)dy[k] * xh));
                }
                (maxDy[c], maxProduct[c]) = (md, mp);
            }
        }
    }

    /// <summary>sumDy[c] += Σ round(dy·2^scaleDy[c]) and sumProduct[c] += Σ round(dy·x̂·2^scaleProduct[c]).</summary>
    public static void AddGradientSums(float[] dy, float[] x, float[] mean, float[] invStd, int outer, int channels, int inner,
        ReadOnlySpan<int> scaleDy, ReadOnlySpan<int> scaleProduct, Span<long> sumDy, Span<long> sumProduct)
    {
        var factors = Factors(scaleDy[..channels], scaleProduct[..channels]);
        ReadOnlySpan<double> fd = factors[..channels], fp = factors[channels..];
        int w = Vector<float>.Count, h = Vector<double>.Count;
        var magic = new Vector<double>(Magic);
        for (int o = 0; o < outer; o++)
        {
            int j = 0;
            if (inner == 1)
            {
                int at = o * channels;
                for (; j + w <= channels; j += w)
                {
                    var xh = (new Vector<float>(x.AsSpan(at + j)) - new Vector<float>(mean.AsSpan(j))) * new Vector<float>(invStd.AsSpan(j));
                    Vector.Widen(new Vector<float>(dy.AsSpan(at + j)), out var dl, out var dh);
                    Vector.Widen(xh, out var hl, out var hh);
                    Accumulate(sumDy[j..], dl * new Vector<double>(fd[j..]) + magic);
                    Accumulate(sumDy[(j + h)..], dh * new Vector<double>(fd[(j + h)..]) + magic);
                    // dy·2^s times x̂ is exact; one rounding adds the constant.
                    Accumulate(sumProduct[j..], Vector.FusedMultiplyAdd(dl * new Vector<double>(fp[j..]), hl, magic));
                    Accumulate(sumProduct[(j + h)..], Vector.FusedMultiplyAdd(dh * new Vector<double>(fp[(j + h)..]), hh, magic));
                }
            }
            for (int c = j; c < channels; c++)
            {
                int start = (o * channels + c) * inner;
                float m = mean[c], inv = invStd[c];
                long sd = 0, sp = 0;
                for (int k = start; k < start + inner; k++)
                {
                    float xh = (x[k] - m) * inv;
                    sd += Round(dy[k] * fd[c]);
                    sp += BitConverter.DoubleToInt64Bits(Math.FusedMultiplyAdd(dy[k] * fp[c], xh, Magic)) - MagicBits;
                }
                sumDy[c] += sd;
                sumProduct[c] += sp;
            }
        }
    }

    // sums += bits(terms) − bits(1.5·2^52): each term's integer.
    private static void Accumulate(Span<long> sums, Vector<double> terms) =>
        (new Vector<long>(sums) + Vector.AsVectorInt64(terms) - new Vector<long>(MagicBits)).CopyTo(sums);

    // 2^scale of each scale, in a buffer of this thread's.
    private static ReadOnlySpan<double> Factors(ReadOnlySpan<int> scale, ReadOnlySpan<int> more = default)
    {
        int length = scale.Length + more.Length;
        if (t_factors is null || t_factors.Length < length) t_factors = new double[Math.Max(length, 2 * (t_factors?.Length ?? 0))];
        for (int i = 0; i < scale.Length; i++) t_factors[i] = Factor(scale[i]);
        for (int i = 0; i < more.Length; i++) t_factors[scale.Length + i] = Factor(more[i]);
        return t_factors.AsSpan(0, length);
    }
}
