using Strata.Kernels;

namespace Strata.Tensors;

/// <summary>
/// Process-wide compute settings. Results never depend on <see cref="Threads"/>: kernels split
/// work so that every output value is computed in the same order whatever the thread count.
/// </summary>
public static class Compute
{
    private static int _threads = Environment.ProcessorCount;

    /// <summary>How many threads the kernels may use (default: the processor count).</summary>
    public static int Threads
    {
        get => _threads;
        set
        {
            if (value < 1)
                throw new StrataException($"Expected a thread count of at least 1. Received: threads={value}");
            _threads = value;
        }
    }

    /// <summary>
    /// The instruction-set path the kernels take: avx512, avx2, portable (Vector128, NEON on ARM64) or
    /// scalar. The widest the processor runs, unless the environment variable STRATA_ISA names one;
    /// a name that is unknown or that the processor cannot run is a <see cref="StrataException"/>.
    /// </summary>
    public static string InstructionSet => InstructionSets.Name(InstructionSets.Default);
}
