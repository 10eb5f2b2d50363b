using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Kernels;

/// <summary>
/// The few vector operations the matrix-product and element-wise kernels need, as static members of a small struct
/// per width, so one generic kernel body serves AVX-512, AVX2 and the portable Vector128 path
/// (the JIT compiles a separate, fully inlined copy for each struct).
/// </summary>
internal unsafe interface ISimd<TVector> where TVector : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Width { get; }

    /// <summary>All lanes zero.</summary>
    static abstract TVector Zero { get; }

    /// <summary>All lanes <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(float value);

    /// <summary>Width floats from <paramref name="source"/> (no alignment needed).</summary>
    static abstract TVector Load(float* source);

    /// <summary>Writes the lanes to <paramref name="destination"/>.</summary>
    static abstract void Store(float* destination, TVector value);

    /// <summary>a·b + c, rounded once.</summary>
    static abstract TVector FusedMultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>a + b.</summary>
    static abstract TVector Add(TVector a, TVector b);

    /// <summary>a − b.</summary>
    static abstract TVector Subtract(TVector a, TVector b);

    /// <summary>a · b, rounded on its own (never fused with a later add).</summary>
    static abstract TVector Multiply(TVector a, TVector b);

    /// <summary>a / b.</summary>
    static abstract TVector Divide(TVector a, TVector b);

    /// <summary>The larger lane, as <see cref="MathF.Max(float, float)"/> picks it.</summary>
    static abstract TVector Max(TVector a, TVector b);

    /// <summary>The smaller lane, as <see cref="MathF.Min(float, float)"/> picks it.</summary>
    static abstract TVector Min(TVector a, TVector b);

    /// <summary>The lanes of <paramref name="value"/> where low &lt; x &lt; high, zero elsewhere.</summary>
    static abstract TVector WhereInside(TVector x, TVector low, TVector high, TVector value);

    /// <summary>The lanes of <paramref name="value"/> where x &gt; 0, zero elsewhere.</summary>
    static abstract TVector WherePositive(TVector x, TVector value);

    /// <summary>|x|.</summary>
    static abstract TVector Abs(TVector x);

    /// <summary>x rounded to the nearest integer, ties to even, as <see cref="MathF.Round(float)"/>.</summary>
    static abstract TVector Round(TVector x);

    /// <summary>x · 2ⁿ for integral n in [−126, 127], exact: n goes straight into a float's exponent bits.</summary>
    static abstract TVector TimesPowerOfTwo(TVector x, TVector n);

    /// <summary>The lanes of <paramref name="ifLess"/> where a &lt; b, of <paramref name="otherwise"/> elsewhere.</summary>
    static abstract TVector WhereLess(TVector a, TVector b, TVector ifLess, TVector otherwise);

    /// <summary>The sum of the lanes, in the order the runtime's Vector*.Sum forms it (fixed for a width).</summary>
    static abstract float Sum(TVector x);

    /// <summary>√x, correctly rounded as <see cref="MathF.Sqrt"/>.</summary>
    static abstract TVector Sqrt(TVector x);
}

/// <summary>
/// Float vectors widened to two vectors of doubles, for sums of floats kept in double: such sums hardly depend on
/// how the values were grouped before being added (the product of two floats is exact in double).
/// </summary>
internal unsafe interface IWidening<TVector, TDouble> where TVector : struct where TDouble : struct
{
    /// <summary>All lanes zero.</summary>
    static abstract TDouble WideZero { get; }

    /// <summary>The lower and upper halves of <paramref name="x"/>'s lanes, each exactly as a double.</summary>
    static abstract (TDouble Low, TDouble High) Widen(TVector x);

    /// <summary>Width / 2 doubles from <paramref name="source"/>.</summary>
    static abstract TDouble LoadWide(double* source);

    /// <summary>Writes the lanes to <paramref name="destination"/>.</summary>
    static abstract void StoreWide(double* destination, TDouble value);

    /// <summary>a + b.</summary>
    static abstract TDouble AddWide(TDouble a, TDouble b);

    /// <summary>a − b.</summary>
    static abstract TDouble SubtractWide(TDouble a, TDouble b);

    /// <summary>a · b, rounded on its own (never fused with a later add).</summary>
    static abstract TDouble MultiplyWide(TDouble a, TDouble b);
}

/// <summary>
/// One float as a vector of width 1: the scalar tail and the scalar path run the same generic lane
/// functions as the vector paths, so every path gives the same bits.
/// </summary>
internal readonly unsafe struct Simd1 : ISimd<float>
{
    public static int Width => 1;
    public static float Zero => 0f;
    public static float Broadcast(float value) => value;
    public static float Load(float* source) => *source;
    public static void Store(float* destination, float value) => *destination = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float FusedMultiplyAdd(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
    public static float Add(float a, float b) => a + b;
    public static float Subtract(float a, float b) => a - b;
    public static float Multiply(float a, float b) => a * b;
    public static float Divide(float a, float b) => a / b;
    public static float Max(float a, float b) => MathF.Max(a, b);
    public static float Min(float a, float b) => MathF.Min(a, b);
    public static float WhereInside(float x, float low, float high, float value) => x > low && x < high ? value : 0f;
    public static float WherePositive(float x, float value) => x > 0f ? value : 0f;
    public static float Abs(float x) => MathF.Abs(x);
    public static float Round(float x) => MathF.Round(x);
    public static float TimesPowerOfTwo(float x, float n) => x * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    public static float WhereLess(float a, float b, float ifLess, float otherwise) => a < b ? ifLess : otherwise;
    public static float Sum(float x) => x;
    public static float Sqrt(float x) => MathF.Sqrt(x);
}

/// <summary>AVX-512F on zmm registers.</summary>
internal readonly unsafe struct Simd512 : ISimd<Vector512<float>>, IWidening<Vector512<float>, Vector512<double>>
{
    public static int Width => 16;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* source) => Avx512F.LoadVector512(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Vector512<float> value) => Avx512F.Store(destination, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> FusedMultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => Avx512F.Add(a, b);
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> WhereInside(Vector512<float> x, Vector512<float> low, Vector512<float> high, Vector512<float> value) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, low) & Vector512.LessThan(x, high), value, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> WherePositive(Vector512<float> x, Vector512<float> value) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), value, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Abs(Vector512<float> x) => Vector512.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Round(Vector512<float> x) => Vector512.Round(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> TimesPowerOfTwo(Vector512<float> x, Vector512<float> n) =>
        x * Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> WhereLess(Vector512<float> a, Vector512<float> b, Vector512<float> ifLess, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.LessThan(a, b), ifLess, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> x) => Vector512.Sum(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sqrt(Vector512<float> x) => Vector512.Sqrt(x);
    public static Vector512<double> WideZero => Vector512<double>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static (Vector512<double> Low, Vector512<double> High) Widen(Vector512<float> x) => Vector512.Widen(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> LoadWide(double* source) => Vector512.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreWide(double* destination, Vector512<double> value) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> AddWide(Vector512<double> a, Vector512<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> SubtractWide(Vector512<double> a, Vector512<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> MultiplyWide(Vector512<double> a, Vector512<double> b) => a * b;
}

/// <summary>AVX2/FMA on ymm registers.</summary>
internal readonly unsafe struct Simd256 : ISimd<Vector256<float>>, IWidening<Vector256<float>, Vector256<double>>
{
    public static int Width => 8;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* source) => Avx.LoadVector256(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Vector256<float> value) => Avx.Store(destination, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => Avx.Add(a, b);
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> WhereInside(Vector256<float> x, Vector256<float> low, Vector256<float> high, Vector256<float> value) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, low) & Vector256.LessThan(x, high), value, Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> WherePositive(Vector256<float> x, Vector256<float> value) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), value, Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Abs(Vector256<float> x) => Vector256.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Round(Vector256<float> x) => Vector256.Round(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> TimesPowerOfTwo(Vector256<float> x, Vector256<float> n) =>
        x * Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> WhereLess(Vector256<float> a, Vector256<float> b, Vector256<float> ifLess, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.LessThan(a, b), ifLess, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> x) => Vector256.Sum(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sqrt(Vector256<float> x) => Vector256.Sqrt(x);
    public static Vector256<double> WideZero => Vector256<double>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static (Vector256<double> Low, Vector256<double> High) Widen(Vector256<float> x) => Vector256.Widen(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> LoadWide(double* source) => Vector256.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreWide(double* destination, Vector256<double> value) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> AddWide(Vector256<double> a, Vector256<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> SubtractWide(Vector256<double> a, Vector256<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> MultiplyWide(Vector256<double> a, Vector256<double> b) => a * b;
}

/// <summary>The portable 128-bit vectors: NEON on ARM64, SSE/AVX on x86.</summary>
internal readonly unsafe struct Simd128 : ISimd<Vector128<float>>, IWidening<Vector128<float>, Vector128<double>>
{
    public static int Width => 4;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* source) => Vector128.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* destination, Vector128<float> value) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> FusedMultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Min(Vector128<float> a, Vector128<float> b) => Vector128.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> WhereInside(Vector128<float> x, Vector128<float> low, Vector128<float> high, Vector128<float> value) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, low) & Vector128.LessThan(x, high), value, Vector128<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> WherePositive(Vector128<float> x, Vector128<float> value) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), value, Vector128<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Abs(Vector128<float> x) => Vector128.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Round(Vector128<float> x) => Vector128.Round(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> TimesPowerOfTwo(Vector128<float> x, Vector128<float> n) =>
        x * Vector128.ShiftLeft(Vector128.ConvertToInt32(n) + Vector128.Create(127), 23).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> WhereLess(Vector128<float> a, Vector128<float> b, Vector128<float> ifLess, Vector128<float> otherwise) =>
        Vector128.ConditionalSelect(Vector128.LessThan(a, b), ifLess, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> x) => Vector128.Sum(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Sqrt(Vector128<float> x) => Vector128.Sqrt(x);
    public static Vector128<double> WideZero => Vector128<double>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static (Vector128<double> Low, Vector128<double> High) Widen(Vector128<float> x) => Vector128.Widen(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> LoadWide(double* source) => Vector128.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreWide(double* destination, Vector128<double> value) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> AddWide(Vector128<double> a, Vector128<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> SubtractWide(Vector128<double> a, Vector128<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> MultiplyWide(Vector128<double> a, Vector128<double> b) => a * b;
}
