using Strata.Kernels;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Kernels;

public class GemvTests
{
    public static IEnumerable<object[]> Paths() => InstructionSets.Supported.Select(isa => new object[] { InstructionSets.Name(isa) });

    [Theory]
    [MemberData(nameof(Paths))]
    public void RowsTimesTransposedWeightsPlusBiasThroughTheActivationMatchDoubleSums(string path)
    {
        // 133 inputs: whole vector groups, single vectors and a scalar tail on every width; 400 outputs: a partial block, and enough work to be shared among threads.
        int inputs = 133, outputs = 400, rows = 3;
        var x = TestSupport.Random(1, 1.0, rows, inputs).Data;
        var w = TestSupport.Random(2, 0.2, outputs, inputs).Data;
        var b = TestSupport.Random(3, 1.0, outputs).Data;
        float[] Run(int threads, ActivationFunction f)
        {
            int saved = Compute.Threads;
            Compute.Threads = threads;
            try
            {
                using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
                var y = new float[rows * outputs];
                Gemv.Multiply(x, rows, w, b, inputs, outputs, y, f);
                return y;
            }
            finally
            {
                Compute.Threads = saved;
            }
        }
        var linear = Run(1, ActivationFunction.Linear);
        var relu = Run(2, ActivationFunction.Relu);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < outputs; j++)
            {
                double sum = b[j];
                for (int p = 0; p < inputs; p++) sum += (double)x[r * inputs + p] * w[j * inputs + p];
                Assert.Equal(sum, linear[r * outputs + j], 1e-4);
                Assert.Equal(Math.Max(0, sum), relu[r * outputs + j], 1e-4);
            }
        Assert.Equal(linear, Run(2, ActivationFunction.Linear));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EachOutputHasTheBitsOfItsRowAlone(string path)
    {
        // Outputs are summed several at a time; each must keep the order it has when summed on its own.
        // 150 outputs: whole groups, a partial item and leftover single outputs; 133 inputs: every kind of tail.
        int inputs = 133, outputs = 150, rows = 2;
        var x = TestSupport.Random(4, 1.0, rows, inputs).Data;
        var w = TestSupport.Random(5, 0.2, outputs, inputs).Data;
        var b = TestSupport.Random(6, 1.0, outputs).Data;
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        var all = new float[rows * outputs];
        Gemv.Multiply(x, rows, w, b, inputs, outputs, all, ActivationFunction.Linear);
        var one = new float[1];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < outputs; j++)
            {
                Gemv.Multiply(x.AsSpan(r * inputs, inputs), 1, w.AsSpan(j * inputs, inputs), b.AsSpan(j, 1), inputs, 1, one, ActivationFunction.Linear);
                Assert.Equal(one[0], all[r * outputs + j]);
            }
    }
}
