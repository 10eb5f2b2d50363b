namespace Strata.Kernels;

/// <summary>
/// The instruction-set paths the hot kernels can take, from the reference loops to the widest
/// vectors. Every path forms each output value with the same operations in the same order (the same
/// fused multiply-adds in a product), so all paths give the same bits; tests check that they do.
/// </summary>
internal enum InstructionSet
{
    /// <summary>Plain loops with scalar fused multiply-adds: the reference the vector paths are checked against.</summary>
    Scalar,

    /// <summary><c>Vector128</c> with fused multiply-add: NEON on ARM64, SSE/AVX on x86.</summary>
    Portable,

    /// <summary>x86 AVX2 and FMA on 256-bit registers.</summary>
    Avx2,

    /// <summary>x86 AVX-512F on 512-bit registers, with its own, wider matrix-product tile.</summary>
    Avx512,
}
