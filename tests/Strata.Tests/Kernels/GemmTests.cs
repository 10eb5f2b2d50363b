using Strata.Kernels;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Kernels;

public class GemmTests
{
    private static float[] Naive(float[] a, bool ta, float[] b, bool tb, int m, int n, int k)
    {
        var c = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = (float)s;
            }
        return c;
    }

    public static IEnumerable<object[]> Shapes()
    {
        int[][] shapes = [[1, 1, 1], [1, 17, 3], [5, 1, 9], [6, 16, 4], [7, 17, 300], [13, 40, 1], [96, 256, 257], [100, 300, 70], [2, 513, 11], [3, 100, 700], [9, 70, 641]];
        foreach (var isa in InstructionSets.Supported.Select(InstructionSets.Name))
            foreach (var s in shapes)
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        yield return [isa, s[0], s[1], s[2], ta, tb];
    }

    public static IEnumerable<object[]> Paths() => InstructionSets.Supported.Select(isa => new object[] { InstructionSets.Name(isa) });

    private static float[] Product(InstructionSet isa, float[] a, bool transA, float[] b, bool transB, int m, int n, int k)
    {
        using var scope = InstructionSets.Use(isa);
        var c = new float[m * n];
        Gemm.Multiply(a, transA ? m : k, transA, b, transB ? k : n, transB, c, n, m, n, k, accumulate: false);
        return c;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesNaiveProductForEveryPathLayoutAndEdge(string path, int m, int n, int k, bool transA, bool transB)
    {
        var a = TestSupport.Random(1, 1, m * k).Data;
        var b = TestSupport.Random(2, 1, k * n).Data;
        var expected = Naive(a, transA, b, transB, m, n, k);
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        var c = new float[m * n];
        Gemm.Multiply(a, transA ? m : k, transA, b, transB ? k : n, transB, c, n, m, n, k, accumulate: false);
        TestSupport.AssertClose(expected, c, 1e-4, path);
        // Accumulating adds the product to what C holds.
        Gemm.Multiply(a, transA ? m : k, transA, b, transB ? k : n, transB, c, n, m, n, k, accumulate: true);
        TestSupport.AssertClose(expected.Select(v => 2 * v).ToArray(), c, 1e-4, "accumulate");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryPathGivesTheScalarReferenceBits(string path, int m, int n, int k, bool transA, bool transB)
    {
        // Every path sums each value in the same order with fused multiply-adds, so not even the last bit moves.
        var a = TestSupport.Random(7, 1, m * k).Data;
        var b = TestSupport.Random(8, 1, k * n).Data;
        Assert.Equal(Product(InstructionSet.Scalar, a, transA, b, transB, m, n, k), Product(InstructionSets.Resolve(path), a, transA, b, transB, m, n, k));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ResultIsIdenticalForOneAndTwoThreads(string path)
    {
        int m = 200, n = 600, k = 530;
        var a = TestSupport.Random(3, 1, m * k).Data;
        var b = TestSupport.Random(4, 1, k * n).Data;
        float[] c1, c2;
        int saved = Compute.Threads;
        try
        {
            Compute.Threads = 1;
            c1 = Product(InstructionSets.Resolve(path), a, false, b, false, m, n, k);
            Compute.Threads = 2;
            c2 = Product(InstructionSets.Resolve(path), a, false, b, false, m, n, k);
        }
        finally
        {
            Compute.Threads = saved;
        }
        Assert.Equal(c1, c2);
    }

    public static IEnumerable<object[]> PathsAndTransposes() =>
        InstructionSets.Supported.Select(InstructionSets.Name).SelectMany(isa => new[] { new object[] { isa, false }, [isa, true] });

    [Theory]
    [MemberData(nameof(PathsAndTransposes))]
    public void ARowComputedAloneIsBitIdenticalToTheSameRowInABatch(string path, bool transA)
    {
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        // Batch-1 inference takes the unpacked path; it must give exactly the rows a batch gives.
        int m = 40, n = 1000, k = 600;
        var a = TestSupport.Random(5, 1, m * k).Data;
        var b = TestSupport.Random(6, 1, k * n).Data;
        var batch = new float[m * n];
        Gemm.Multiply(a, transA ? m : k, transA, b, n, false, batch, n, m, n, k, false);
        for (int rows = 1; rows <= Gemm.DirectRows; rows++)
            foreach (int i in new[] { 0, 17, m - rows })
            {
                var alone = new float[rows * n];
                if (transA)
                    Gemm.Multiply(a.AsSpan(i), m, true, b, n, false, alone, n, rows, n, k, false);
                else
                    Gemm.Multiply(a.AsSpan(i * k), k, false, b, n, false, alone, n, rows, n, k, false);
                Assert.Equal(batch.AsSpan(i * n, rows * n).ToArray(), alone);
            }
    }

    public static IEnumerable<object[]> PackedShapes()
    {
        int[][] shapes = [[7, 33, 288, 0, 0], [50, 288, 32, 1, 1], [13, 20, 700, 1, 0], [20, 70, 100, 0, 1]];
        foreach (var isa in InstructionSets.Supported.Select(InstructionSets.Name))
            foreach (var s in shapes)
                yield return [isa, s[0], s[1], s[2], s[3] == 1, s[4] == 1];
    }

    [Theory]
    [MemberData(nameof(PackedShapes))]
    public void APackedBGivesTheSameProductAsPackingPerCall(string path, int m, int n, int k, bool transA, bool transB)
    {
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        var a = TestSupport.Random(10, 1, m * k).Data;
        var b = TestSupport.Random(11, 1, k * n).Data;
        var expected = new float[m * n];
        Gemm.Multiply(a, transA ? m : k, transA, b, transB ? k : n, transB, expected, n, m, n, k, false);
        var packed = new Gemm.PackedB();
        packed.Pack(b, transB ? k : n, transB, k, n);
        var c = new float[m * n];
        Gemm.Multiply(a, transA ? m : k, transA, packed, c, n, m, false);
        Assert.Equal(expected, c);
        // Accumulating adds each K block's sum in turn, as the per-call product does.
        Gemm.Multiply(a, transA ? m : k, transA, b, transB ? k : n, transB, expected, n, m, n, k, true);
        Gemm.Multiply(a, transA ? m : k, transA, packed, c, n, m, true);
        Assert.Equal(expected, c);
    }

    [Theory]
    [MemberData(nameof(PackedShapes))]
    public void TheBiasAndActivationEpilogueGivesTheBitsOfASeparatePassAndTheNaiveValues(string path, int m, int n, int k, bool transA, bool transB)
    {
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        var a = TestSupport.Random(12, 1, m * k).Data;
        var b = TestSupport.Random(13, 1, k * n).Data;
        var bias = TestSupport.Random(14, 1, n).Data;
        var packed = new Gemm.PackedB();
        packed.Pack(b, transB ? k : n, transB, k, n);
        var naive = Naive(a, transA, b, transB, m, n, k);
        foreach (var f in new[] { ActivationFunction.Relu, ActivationFunction.Linear, ActivationFunction.Tanh })
        {
            var separate = new float[m * n];
            Gemm.Multiply(a, transA ? m : k, transA, packed, separate, n, m, false);
            RowKernels.BiasActivation(separate, bias, separate, m, n, f);
            var fused = Enumerable.Repeat(float.NaN, m * n).ToArray();
            Gemm.Multiply(a, transA ? m : k, transA, packed, fused, n, m, bias, f);
            Assert.Equal(separate, fused);
            var expected = naive.Select((v, i) => f switch
            {
                ActivationFunction.Relu => Math.Max(0, v + bias[i % n]),
                ActivationFunction.Tanh => (float)Math.Tanh(v + bias[i % n]),
                _ => v + bias[i % n],
            }).ToArray();
            TestSupport.AssertClose(expected, fused, 1e-4, f.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void AOneColumnProductGivesThePackedProductsBitsAndTheNaiveValues(string path)
    {
        // 700 inputs: three K blocks; 203 rows: groups of eight, leftovers, and enough work for the threads to share.
        int m = 203, k = 700, lda = 703;
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        var a = TestSupport.Random(15, 1, m * lda).Data;
        var w = TestSupport.Random(16, 1, k).Data;
        float bias = 0.25f;
        var packed = new Gemm.PackedB();
        packed.Pack(w, k, true, k, 1);
        var expected = new float[m];
        Gemm.Multiply(a, lda, false, packed, expected, 1, m, [bias], ActivationFunction.Relu);
        var c = new float[m];
        Gemm.MultiplyColumn(a, lda, m, k, w, bias, c, ActivationFunction.Relu);
        Assert.Equal(expected, c);
        for (int i = 0; i < m; i++)
        {
            double sum = bias;
            for (int p = 0; p < k; p++) sum += (double)a[i * lda + p] * w[p];
            Assert.Equal(Math.Max(0, sum), c[i], 1e-3);
        }
    }

    public static IEnumerable<object[]> PathsAndLayouts() =>
        InstructionSets.Supported.Select(InstructionSets.Name).SelectMany(isa => new[] { new object[] { isa, false, false }, [isa, true, true] });

    [Theory]
    [MemberData(nameof(PathsAndLayouts))]
    public void ALargeProductSumsEachValueBlockByBlockWithFusedMultiplyAdds(string path, bool transA, bool transB)
    {
        // Large enough to be formed one K block at a time over all of C, with edges in every direction;
        // k = 1100 is past 1024, so its blocks are 367, 367 and 366 deep (as even as possible, at most 512).
        int m = 131, n = 1000, k = 1100;
        int[] blockStarts = [0, 367, 734, 1100];
        var a = TestSupport.Random(11, 1, m * k).Data;
        var b = TestSupport.Random(12, 1, k * n).Data;
        var expected = BlockByBlock(a, transA, b, transB, m, n, k, blockStarts);
        OnOneAndTwoThreads(() => Assert.Equal(expected, Product(InstructionSets.Resolve(path), a, transA, b, transB, m, n, k)));
    }

    public static IEnumerable<object[]> PathsAndDepths() =>
        InstructionSets.Supported.Select(InstructionSets.Name).SelectMany(isa => new[] { new object[] { isa, 16 }, [isa, 64] });

    [Theory]
    [MemberData(nameof(PathsAndDepths))]
    public void AnOutputTooLargeForTheCachesIsFormedAsAnyOther(string path, int k)
    {
        // C of 1501 × 1503 values is past the size whose next tiles are prefetched; k = 16 is formed tile by tile,
        // k = 64 one K block at a time over all of C. One block deep, each value is one chain of FMAs from zero.
        int m = 1501, n = 1503;
        var a = TestSupport.Random(13, 1, m * k).Data;
        var b = TestSupport.Random(14, 1, k * n).Data;
        var expected = BlockByBlock(a, false, b, false, m, n, k, [0, k]);
        OnOneAndTwoThreads(() => Assert.Equal(expected, Product(InstructionSets.Resolve(path), a, false, b, false, m, n, k)));
    }

    public static IEnumerable<object[]> PathsAndColumnLayouts() =>
        from isa in InstructionSets.Supported.Select(InstructionSets.Name)
        from transA in new[] { false, true }
        from transB in new[] { false, true }
        from accumulate in new[] { false, true }
        select new object[] { isa, transA, transB, accumulate };

    [Theory]
    [MemberData(nameof(PathsAndColumnLayouts))]
    public void AOneColumnProductHasTheBitsOfThatColumnInAWiderOne(string path, bool transA, bool transB, bool accumulate)
    {
        // One column is formed row by row without packing (Aᵀ's rows a vector at a time); the same column of a
        // two-column product goes through the packed tiles. k = 1100 takes three K blocks; 131 rows leave a remainder
        // past the groups of eight and past every vector width.
        int m = 131, k = 1100;
        var a = TestSupport.Random(15, 1, m * k).Data;
        var b = TestSupport.Random(16, 1, 2 * k).Data;
        var start = TestSupport.Random(17, 1, 2 * m).Data;
        // Column 0 of B: B stored k×2 (column 0 at even places) or, transposed, 2×k (its first row).
        var column = transB ? b[..k] : Enumerable.Range(0, k).Select(p => b[2 * p]).ToArray();
        using var scope = InstructionSets.Use(InstructionSets.Resolve(path));
        OnOneAndTwoThreads(() =>
        {
            var wide = (float[])start.Clone();
            Gemm.Multiply(a, transA ? m : k, transA, b, transB ? k : 2, transB, wide, 2, m, 2, k, accumulate);
            var one = Enumerable.Range(0, m).Select(i => start[2 * i]).ToArray();
            Gemm.Multiply(a, transA ? m : k, transA, column, transB ? k : 1, transB, one, 1, m, 1, k, accumulate);
            Assert.Equal(Enumerable.Range(0, m).Select(i => wide[2 * i]).ToArray(), one);
        });
    }

    // The reference sums: each K block (from blockStarts[i] to blockStarts[i + 1]) one chain of FMAs from zero, the
    // blocks added in turn.
    private static float[] BlockByBlock(float[] a, bool transA, float[] b, bool transB, int m, int n, int k, int[] blockStarts)
    {
        var expected = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float c = 0;
                for (int block = 0; block + 1 < blockStarts.Length; block++)
                {
                    float s = 0;
                    for (int p = blockStarts[block]; p < blockStarts[block + 1]; p++)
                        s = MathF.FusedMultiplyAdd(transA ? a[p * m + i] : a[i * k + p], transB ? b[j * k + p] : b[p * n + j], s);
                    c = block == 0 ? s : c + s;
                }
                expected[i * n + j] = c;
            }
        return expected;
    }

    // The same check with one compute thread and with two, the setting restored after.
    private static void OnOneAndTwoThreads(Action check)
    {
        int saved = Compute.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Compute.Threads = threads;
                check();
            }
        }
        finally
        {
            Compute.Threads = saved;
        }
    }

    [Fact]
    public void EmptyInnerDimensionGivesZeros()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply([], 0, false, [], 2, false, c, 2, 2, 2, 0, accumulate: false);
        Assert.All(c, v => Assert.Equal(0f, v));
    }
}
