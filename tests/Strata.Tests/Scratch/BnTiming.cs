using System.Diagnostics;
using Strata.Kernels;
using Strata.Tensors;
using Strata.Autodiff;
using Xunit;
using Xunit.Abstractions;
namespace Strata.Tests.Scratch;
public class BnTiming(ITestOutputHelper output)
{
    [Fact]
    public void Time()
    {
        int rows = 256, ch = 1024;
        var x = TestSupport.Random(1, 1.0, rows, ch).Data;
        var y = new float[x.Length]; var xhat = new float[x.Length];
        float[] mean = new float[ch], variance = new float[ch], inv = new float[ch], g = new float[ch], b = new float[ch];
        Array.Fill(g, 1f);
        var dy = TestSupport.Random(2, 1.0, rows, ch).Data; var dx = new float[x.Length]; var dg = new float[ch]; var db = new float[ch];
        for (int w = 0; w < 50; w++) BatchNormKernels.Forward(x, rows, ch, 1, 1e-3f, g, b, mean, variance, inv, xhat, y, CallMode.Training);
        var sw = Stopwatch.StartNew();
        for (int w = 0; w < 500; w++) BatchNormKernels.Forward(x, rows, ch, 1, 1e-3f, g, b, mean, variance, inv, xhat, y, CallMode.Training);
        output.WriteLine($"forward {sw.Elapsed.TotalMilliseconds / 500:F3} ms");
        sw.Restart();
        for (int w = 0; w < 500; w++) BatchNormKernels.Backward(dy, xhat, inv, rows, ch, 1, g, dg, db, dx, CallMode.Training);
        output.WriteLine($"backward {sw.Elapsed.TotalMilliseconds / 500:F3} ms");
        var mask = new float[x.Length];
        sw.Restart();
        for (int w = 0; w < 500; w++) DropoutKernels.Forward((ulong)w, 0.3f, 1f / 0.7f, mask, x, y);
        output.WriteLine($"dropout {sw.Elapsed.TotalMilliseconds / 500:F3} ms");
        sw.Restart();
        for (int w = 0; w < 500; w++) Moments.MeanAndSquares(x, 0, 1, rows, ch, 1, new double[ch], new double[ch]);
        output.WriteLine($"moments {sw.Elapsed.TotalMilliseconds / 500:F3} ms");
    }
}
