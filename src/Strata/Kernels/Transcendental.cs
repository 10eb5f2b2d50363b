namespace Strata.Kernels;

/// <summary>
/// exp, sigmoid and tanh as lane functions generic over the vector width, so the recurrent gates and the
/// activations run on whole vectors; the scalar form is the same function at width 1 (<see cref="Simd1"/>),
/// so every path gives the same bits. exp is Cephes's expf (range reduction by ln 2 in two parts, a
/// degree-6 polynomial), within 2 ulp of the exact value on [−87, 88]; inputs are clamped to that range,
/// which changes nothing a float sigmoid or tanh can show.
/// </summary>
internal static class Transcendental
{
    public static TVector Exp<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        x = TSimd.Min(TSimd.Max(x, TSimd.Broadcast(-87f)), TSimd.Broadcast(88f));
        var n = TSimd.Round(TSimd.Multiply(x, TSimd.Broadcast(1.44269504088896341f)));
        // ln 2 = 0.693359375 − 2.12194440e−4, the first part exact in few bits so n·part is exact.
        var r = TSimd.FusedMultiplyAdd(n, TSimd.Broadcast(-0.693359375f), x);
        r = TSimd.FusedMultiplyAdd(n, TSimd.Broadcast(2.12194440e-4f), r);
        var p = TSimd.Broadcast(1.9875691500e-4f);
        p = TSimd.FusedMultiplyAdd(p, r, TSimd.Broadcast(1.3981999507e-3f));
        p = TSimd.FusedMultiplyAdd(p, r, TSimd.Broadcast(8.3334519073e-3f));
        p = TSimd.FusedMultiplyAdd(p, r, TSimd.Broadcast(4.1665795894e-2f));
        p = TSimd.FusedMultiplyAdd(p, r, TSimd.Broadcast(1.6666665459e-1f));
        p = TSimd.FusedMultiplyAdd(p, r, TSimd.Broadcast(5.0000001201e-1f));
        p = TSimd.FusedMultiplyAdd(p, TSimd.Multiply(r, r), TSimd.Add(r, TSimd.Broadcast(1f)));
        return TSimd.TimesPowerOfTwo(p, n);
    }

    /// <summary>1 / (1 + e⁻ˣ).</summary>
    public static TVector Sigmoid<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        var one = TSimd.Broadcast(1f);
        return TSimd.Divide(one, TSimd.Add(one, Exp<TSimd, TVector>(TSimd.Subtract(TSimd.Zero, x))));
    }

    /// <summary>
    /// sign(x)·(1 − e)/(1 + e) with e = e^(−2|x|); below |x| = 0.125, where 1 − e would cancel, the odd
    /// Taylor polynomial to x⁷ (its first omitted term is under 2·10⁻⁹ of the value there).
    /// </summary>
    public static TVector Tanh<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        var one = TSimd.Broadcast(1f);
        var a = TSimd.Abs(x);
        var e = Exp<TSimd, TVector>(TSimd.Multiply(a, TSimd.Broadcast(-2f)));
        var magnitude = TSimd.Divide(TSimd.Subtract(one, e), TSimd.Add(one, e));
        var large = TSimd.WhereLess(x, TSimd.Zero, TSimd.Subtract(TSimd.Zero, magnitude), magnitude);
        var x2 = TSimd.Multiply(x, x);
        var p = TSimd.FusedMultiplyAdd(x2, TSimd.Broadcast(-17f / 315f), TSimd.Broadcast(2f / 15f));
        p = TSimd.FusedMultiplyAdd(x2, p, TSimd.Broadcast(-1f / 3f));
        var small = TSimd.FusedMultiplyAdd(TSimd.Multiply(x, x2), p, x);
        return TSimd.WhereLess(a, TSimd.Broadcast(0.125f), small, large);
    }
}

/// <summary>z = sigmoid(x); y is unused.</summary>
internal readonly struct SigmoidOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct =>
        Transcendental.Sigmoid<TSimd, TVector>(x);
    public static float Apply(float x, float y, float z) => Transcendental.Sigmoid<Simd1, float>(x);
}

/// <summary>z = tanh(x); y is unused.</summary>
internal readonly struct TanhOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct =>
        Transcendental.Tanh<TSimd, TVector>(x);
    public static float Apply(float x, float y, float z) => Transcendental.Tanh<Simd1, float>(x);
}

/// <summary>z = y·x·(1 − x): sigmoid's gradient from its output x and the incoming gradient y.</summary>
internal readonly struct SigmoidGradientOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct =>
        TSimd.Multiply(TSimd.Multiply(y, x), TSimd.Subtract(TSimd.Broadcast(1f), x));
    public static float Apply(float x, float y, float z) => y * x * (1f - x);
}

/// <summary>z = y·(1 − x²): tanh's gradient from its output x and the incoming gradient y.</summary>
internal readonly struct TanhGradientOperator : IElementOperator
{
    public static bool ReadsOutput => false;
    public static TVector Apply<TSimd, TVector>(TVector x, TVector y, TVector z) where TSimd : ISimd<TVector> where TVector : struct =>
        TSimd.Multiply(y, TSimd.Subtract(TSimd.Broadcast(1f), TSimd.Multiply(x, x)));
    public static float Apply(float x, float y, float z) => y * (1f - x * x);
}
