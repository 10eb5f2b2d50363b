using System.Diagnostics;
using System.Globalization;
using System.Text;
using Strata.Training.Callbacks;

namespace Strata.Reporting;

/// <summary>
/// Keras-style progress: "Epoch 3/100", a bar that fills during the epoch (on a terminal), and one
/// line per epoch with the time, loss, metrics and validation values.
/// </summary>
public sealed class ProgressLogger : Callback
{
    private const int BarWidth = 20;
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly Stopwatch _epochClock = new();
    private int _batches;

    /// <summary>
    /// A logger writing to <paramref name="output"/>; <paramref name="interactive"/> (a terminal) redraws a
    /// progress bar after every batch, otherwise only the epoch lines are written.
    /// </summary>
    public ProgressLogger(TextWriter output, bool interactive)
    {
        _out = output;
        _interactive = interactive;
    }

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, int epochs)
    {
        _out.WriteLine($"Epoch {epoch + 1}/{epochs}");
        _epochClock.Restart();
    }

    /// <inheritdoc/>
    public override void OnBatchEnd(int batch, int batches, double batchLoss, double meanLoss)
    {
        _batches = batches;
        if (!_interactive) return;
        _out.Write('\r');
        _out.Write(Bar(batch + 1, batches));
        _out.Write(string.Create(CultureInfo.InvariantCulture, $" - loss: {meanLoss:F4}"));
        _out.Flush();
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        double seconds = _epochClock.Elapsed.TotalSeconds;
        var sb = new StringBuilder();
        if (_interactive) sb.Append('\r');
        sb.Append(Bar(_batches, _batches));
        sb.Append(string.Create(CultureInfo.InvariantCulture, $" {Math.Round(seconds)}s {seconds * 1000 / Math.Max(1, _batches):F0}ms/step"));
        foreach (var (key, value) in logs)
            sb.Append(string.Create(CultureInfo.InvariantCulture, $" - {key}: {value:F4}"));
        _out.WriteLine(sb.ToString());
    }

    private static string Bar(int done, int total)
    {
        int filled = total == 0 ? BarWidth : (int)Math.Round(BarWidth * (double)done / total);
        return $"{done}/{total} " + new string('━', filled) + new string('─', BarWidth - filled);
    }
}
