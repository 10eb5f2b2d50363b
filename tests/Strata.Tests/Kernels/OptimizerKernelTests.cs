using Strata.Kernels;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Kernels;

public class OptimizerKernelTests
{
    public static IEnumerable<object[]> Paths() => InstructionSets.Supported.Select(isa => new object[] { InstructionSets.Name(isa) });

    [Theory]
    [MemberData(nameof(Paths))]
    public void AdamGivesTheFormulaBitsOnEveryPathAndThreadCount(string path)
    {
        // Three chunks and a tail on every width, so threads share the work and the scalar tail runs.
        int n = 2 * 16384 + 1003;
        var w0 = TestSupport.Random(1, 1.0, n).Data;
        var g = TestSupport.Random(2, 1.0, n).Data;
        var m0 = TestSupport.Random(3, 0.1, n).Data;
        var v0 = TestSupport.Random(4, 0.1, n).Data.Select(MathF.Abs).ToArray();
        const float alpha = 1e-3f, b1 = 0.1f, b2 = 0.001f, eps = 1e-7f;
        var (we, me, ve) = ((float[])w0.Clone(), (float[])m0.Clone(), (float[])v0.Clone());
        for (int i = 0; i < n; i++)
        {
            // The formula, written out here.
            me[i] += (g[i] - me[i]) * b1;
            ve[i] += (g[i] * g[i] - ve[i]) * b2;
            we[i] -= alpha * me[i] / (MathF.Sqrt(ve[i]) + eps);
        }
        foreach (int threads in new[] { 1, 2 })
        {
            int saved = Compute.Threads;
            Compute.Threads = threads;
            try
            {
                using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
                var (w, m, v) = ((float[])w0.Clone(), (float[])m0.Clone(), (float[])v0.Clone());
                OptimizerKernels.Adam(w, g, m, v, alpha, b1, b2, eps);
                Assert.Equal(me, m);
                Assert.Equal(ve, v);
                Assert.Equal(we, w);
            }
            finally
            {
                Compute.Threads = saved;
            }
        }
    }
}
