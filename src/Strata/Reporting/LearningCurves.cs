using System.Globalization;
using System.Text;
using Strata.Training;

namespace Strata.Reporting;

/// <summary>
/// Draws loss and val_loss (and any other pair of history keys) against epoch as a standalone SVG:
/// labelled axes with round tick values, a legend, and the best validation epoch marked.
/// </summary>
public static class LearningCurves
{
    private const int Width = 800, Height = 480;
    private const int Left = 80, Right = 24, Top = 48, Bottom = 64;
    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];

    /// <summary>
    /// The SVG document plotting <paramref name="keys"/> of <paramref name="history"/> (default: loss and
    /// val_loss, those it has) under <paramref name="title"/>, with <paramref name="yLabel"/> on the vertical
    /// axis.
    /// </summary>
    public static string ToSvg(History history, string title, string yLabel, IReadOnlyList<string>? keys = null)
    {
        keys ??= new[] { "loss", "val_loss" }.Where(history.Contains).ToList();
        if (keys.Count == 0 || history.Epochs.Count == 0)
            throw new StrataException("The history has nothing to plot.");
        var series = keys.Select(k => history[k]).ToList();
        double yMin = series.SelectMany(s => s).Where(double.IsFinite).DefaultIfEmpty(0).Min();
        double yMax = series.SelectMany(s => s).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        var (y0, y1, yStep) = NiceRange(yMin, yMax, 6);
        int firstEpoch = history.Epochs[0], lastEpoch = history.Epochs[^1];
        var (x0, x1, xStep) = NiceRange(firstEpoch, Math.Max(lastEpoch, firstEpoch + 1), 10);
        x0 = Math.Max(0, x0);

        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double X(double epoch) => Left + (epoch - x0) / (x1 - x0) * plotW;
        double Y(double value) => Top + (1 - (value - y0) / (y1 - y0)) * plotH;

        var sb = new StringBuilder();
        sb.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"Helvetica, Arial, sans-serif\">\n"));
        sb.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.Append(F($"<text x=\"{Width / 2}\" y=\"28\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\">{Escape(title)}</text>\n"));

        for (double v = y0; v <= y1 + yStep / 2; v += yStep)
        {
            double y = Y(v);
            sb.Append(F($"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#e0e0e0\"/>\n"));
            sb.Append(F($"<text x=\"{Left - 8}\" y=\"{y + 4:F1}\" text-anchor=\"end\" font-size=\"12\">{Tick(v, yStep)}</text>\n"));
        }
        for (double e = x0; e <= x1 + xStep / 2; e += xStep)
        {
            double x = X(e);
            sb.Append(F($"<line x1=\"{x:F1}\" y1=\"{Top}\" x2=\"{x:F1}\" y2=\"{Height - Bottom}\" stroke=\"#f0f0f0\"/>\n"));
            sb.Append(F($"<text x=\"{x:F1}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\" font-size=\"12\">{Tick(e, xStep)}</text>\n"));
        }
        sb.Append(F($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n"));
        sb.Append(F($"<text x=\"{Left + plotW / 2}\" y=\"{Height - 18}\" text-anchor=\"middle\" font-size=\"14\">Epoch</text>\n"));
        sb.Append(F($"<text transform=\"translate(22 {Top + plotH / 2}) rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">{Escape(yLabel)}</text>\n"));

        for (int s = 0; s < series.Count; s++)
        {
            var points = new StringBuilder();
            for (int i = 0; i < series[s].Count; i++)
                if (double.IsFinite(series[s][i]))
                    points.Append(F($"{X(history.Epochs[i]):F1},{Y(series[s][i]):F1} "));
            sb.Append(F($"<polyline fill=\"none\" stroke=\"{Palette[s % Palette.Length]}\" stroke-width=\"2\" points=\"{points.ToString().TrimEnd()}\"/>\n"));
        }

        int validation = keys.ToList().FindIndex(k => k.StartsWith("val_", StringComparison.Ordinal));
        if (validation >= 0)
        {
            var values = series[validation];
            int best = -1;
            for (int i = 0; i < values.Count; i++)
                if (double.IsFinite(values[i]) && (best < 0 || values[i] < values[best])) best = i;
            if (best >= 0)
            {
                double bx = X(history.Epochs[best]), by = Y(values[best]);
                sb.Append(F($"<circle cx=\"{bx:F1}\" cy=\"{by:F1}\" r=\"4\" fill=\"{Palette[validation % Palette.Length]}\" stroke=\"black\"/>\n"));
                string label = F($"best {keys[validation]} {values[best]:F4} (epoch {history.Epochs[best]})");
                sb.Append(F($"<text x=\"{Left + 10}\" y=\"{Top + 20}\" font-size=\"12\" fill=\"#333\">{Escape(label)}</text>\n"));
            }
        }

        double legendX = Width - Right - 150, legendY = Top + 10;
        sb.Append(F($"<rect x=\"{legendX}\" y=\"{legendY}\" width=\"140\" height=\"{12 + 20 * keys.Count}\" fill=\"white\" stroke=\"#999\"/>\n"));
        for (int s = 0; s < keys.Count; s++)
        {
            double ly = legendY + 18 + 20 * s;
            sb.Append(F($"<line x1=\"{legendX + 10}\" y1=\"{ly - 4}\" x2=\"{legendX + 40}\" y2=\"{ly - 4}\" stroke=\"{Palette[s % Palette.Length]}\" stroke-width=\"3\"/>\n"));
            sb.Append(F($"<text x=\"{legendX + 48}\" y=\"{ly}\" font-size=\"13\">{Escape(keys[s])}</text>\n"));
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>A range covering [min, max] with about <paramref name="ticks"/> steps of 1, 2 or 5 × 10ⁿ.</summary>
    internal static (double Min, double Max, double Step) NiceRange(double min, double max, int ticks)
    {
        if (max - min < 1e-12) { max = min + 1; }
        double raw = (max - min) / ticks;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2.0, 2.5, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
        return (Math.Floor(min / step) * step, Math.Ceiling(max / step) * step, step);
    }

    private static string Tick(double value, double step)
    {
        int decimals = Math.Max(0, (int)Math.Ceiling(-Math.Log10(step) + 1e-9));
        if (Math.Abs(value) < step / 1e6) value = 0;
        return value.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
