using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Strata.Kernels;

/// <summary>
/// One element-wise operator: a scalar form, the reference, and a vector form generic over the
/// width, which must give the same bits lane by lane.
/// </summary>
internal interface IElementOperator
{
    /// <summary>Whether the operator reads the output's old value (an accumulation); otherwise it is not loaded.</summary>
    static abstract bool ReadsOutput { get; }

    /// <summary>The vector form on one vector of x, y and the old z.</summary>
    static abstract TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z)
        where TSimd : ISimd<TVector> where TVector : struct;

    /// <summary>The scalar form on one value of x, y and the old z.</summary>
    static abstract float Apply(float x, float y, float z);
}

/// <summary>
/// Runs element-wise operators z[i] = op(x[i], y[i], z[i]) on the <see cref="InstructionSet"/> of
/// the call: whole vectors of the path's width, then the scalar tail; the scalar path is the plain loop.
/// Every lane gets the scalar operator's arithmetic, so all paths give the same bits.
/// </summary>
internal static unsafe class ElementWise
{
    /// <summary>z = op(x, y, z) over x's length on the current path; the spans may be the same memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<TOperator>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z)
        where TOperator : IElementOperator
    {
        if (y.Length < x.Length || z.Length < x.Length)
            throw new ArgumentException($"Element-wise operands hold {x.Length}, {y.Length} and {z.Length} values; y and z need at least x's.");
        int n = x.Length;
        fixed (float* px = x, py = y, pz = z)
        {
            int i = InstructionSets.Current switch
            {
                InstructionSet.Avx512 => Vectors<TOperator, Simd512, Vector512<float>>(px, py, pz, n),
                InstructionSet.Avx2 => Vectors<TOperator, Simd256, Vector256<float>>(px, py, pz, n),
                InstructionSet.Portable => Vectors<TOperator, Simd128, Vector128<float>>(px, py, pz, n),
                _ => 0,
            };
            for (; i < n; i++) pz[i] = TOperator.Apply(px[i], py[i], pz[i]);
        }
    }

    // The whole vectors; returns where the scalar tail starts.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Vectors<TOperator, TSimd, TVector>(float* x, float* y, float* z, int n)
        where TOperator : IElementOperator where TSimd : ISimd<TVector> where TVector : struct
    {
        int width = TSimd.Width, i = 0;
        for (; i <= n - width; i += width)
        {
            var old = TOperator.ReadsOutput ? TSimd.Load(z + i) : TSimd.Zero;
            TSimd.Store(z + i, TOperator.Apply<TSimd, TVector>(TSimd.Load(x + i), TSimd.Load(y + i), old));
        }
        return i;
    }
}

/// <summary>z = x + y.</summary>
internal readonly struct AddOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct => TSimd.Add(x, y);
    public static float Apply(float x, float y, float z) => x + y;
}

/// <summary>z = x − y.</summary>
internal readonly struct SubtractOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct => TSimd.Subtract(x, y);
    public static float Apply(float x, float y, float z) => x - y;
}

/// <summary>z = x · y.</summary>
internal readonly struct MultiplyOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct => TSimd.Multiply(x, y);
    public static float Apply(float x, float y, float z) => x * y;
}

/// <summary>z += x · y, the product rounded before the add (not fused), as the scalar loop does.</summary>
internal readonly struct MultiplyAddOperator : IElementOperator
{
    public static bool ReadsOutput => true;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct => TSimd.Add(z, TSimd.Multiply(x, y));
    public static float Apply(float x, float y, float z) => z + x * y;
}

/// <summary>z = max(x, y).</summary>
internal readonly struct MaximumOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct => TSimd.Max(x, y);
    public static float Apply(float x, float y, float z) => MathF.Max(x, y);
}

/// <summary>z = max(x, 0); y is unused.</summary>
internal readonly struct ReluOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct => TSimd.Max(x, TSimd.Zero);
    public static float Apply(float x, float y, float z) => MathF.Max(x, 0f);
}

/// <summary>z = y where x &gt; 0, else 0: relu's gradient, x being relu's output and y the incoming gradient.</summary>
internal readonly struct ReluGradientOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct => TSimd.WherePositive(x, y);
    public static float Apply(float x, float y, float z) => x > 0 ? y : 0f;
}

/// <summary>z = min(max(x, 0), 6); y is unused.</summary>
internal readonly struct Relu6Operator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct =>
        TSimd.Min(TSimd.Max(x, TSimd.Zero), TSimd.Broadcast(6f));
    public static float Apply(float x, float y, float z) => MathF.Min(MathF.Max(x, 0f), 6f);
}

/// <summary>z = y where 0 &lt; x &lt; 6, else 0: relu6's gradient from its output x.</summary>
internal readonly struct Relu6GradientOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct =>
        TSimd.WhereInside(x, TSimd.Zero, TSimd.Broadcast(6f), y);
    public static float Apply(float x, float y, float z) => x > 0f && x < 6f ? y : 0f;
}

/// <summary>z = relu6(x + 3)/6, the hard sigmoid of Keras 3 and PyTorch; y is unused.</summary>
internal readonly struct HardSigmoidOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct
    {
        var six = TSimd.Broadcast(6f);
        return TSimd.Divide(TSimd.Min(TSimd.Max(TSimd.Add(x, TSimd.Broadcast(3f)), TSimd.Zero), six), six);
    }

    public static float Apply(float x, float y, float z) => MathF.Min(MathF.Max(x + 3f, 0f), 6f) / 6f;
}
