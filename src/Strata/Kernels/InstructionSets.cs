using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Kernels;

/// <summary>
/// Decides once which <see cref="InstructionSet"/> the kernels use: the widest the processor runs,
/// or the one named by the environment variable <c>STRATA_ISA</c> (avx512, avx2, portable, scalar).
/// The runtime's own switches (<c>DOTNET_EnableAVX512F=0</c>) narrow what counts as supported.
/// Kernels read <see cref="Current"/> once per call on the calling thread and hand it to their
/// workers, so a test can run one call under each path with <see cref="Use"/> without touching
/// other threads.
/// </summary>
internal static class InstructionSets
{
    /// <summary>The environment variable that forces a path.</summary>
    public const string Variable = "STRATA_ISA";

    private static InstructionSet? _default;

    [ThreadStatic] private static InstructionSet? _override;

    /// <summary>The paths this machine can execute, narrowest first.</summary>
    public static IReadOnlyList<InstructionSet> Supported { get; } =
        Enum.GetValues<InstructionSet>().Where(IsSupported).ToArray();

    /// <summary>The process-wide path: decided on first use, from <see cref="Variable"/> or the hardware.</summary>
    public static InstructionSet Default => _default ??= Resolve(Environment.GetEnvironmentVariable(Variable));

    /// <summary>The path for a kernel call on this thread: a scoped override from <see cref="Use"/>, else <see cref="Default"/>.</summary>
    public static InstructionSet Current => _override ?? Default;

    /// <summary>The lower-case name STRATA_ISA takes for a path.</summary>
    public static string Name(InstructionSet set) => set.ToString().ToLowerInvariant();

    /// <summary>Whether this processor (and the runtime's switches) can run <paramref name="set"/>.</summary>
    public static bool IsSupported(InstructionSet set) => set switch
    {
        InstructionSet.Scalar or InstructionSet.Portable => true,
        InstructionSet.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        InstructionSet.Avx512 => Avx512F.IsSupported && Fma.IsSupported && Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>
    /// The path a STRATA_ISA value asks for, or the widest supported one when it is empty. An unknown
    /// name, or one this machine cannot run, is a <see cref="StrataException"/> naming the supported paths.
    /// </summary>
    public static InstructionSet Resolve(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return Supported[^1];
        string supported = string.Join(", ", Supported.Select(Name));
        string wanted = value.Trim();
        var match = Enum.GetValues<InstructionSet>().Where(s => Name(s) == wanted.ToLowerInvariant()).ToArray();
        if (match.Length == 0)
            throw new StrataException($"{Variable}={value} is not an instruction set. Expected one of: {supported}.");
        if (!IsSupported(match[0]))
            throw new StrataException($"{Variable}={value} asks for an instruction set this processor cannot run. It supports: {supported}.");
        return match[0];
    }

    /// <summary>Runs this thread's kernel calls on <paramref name="set"/> until the returned scope is disposed.</summary>
    public static Scope Use(InstructionSet set)
    {
        if (!IsSupported(set))
            throw new ArgumentException($"This processor cannot run the {Name(set)} path. It supports: {string.Join(", ", Supported.Select(Name))}.", nameof(set));
        var scope = new Scope(_override);
        _override = set;
        return scope;
    }

    /// <summary>Restores the thread's previous path when disposed.</summary>
    internal readonly struct Scope(InstructionSet? previous) : IDisposable
    {
        /// <summary>Puts back the path that held before <see cref="Use"/>.</summary>
        public void Dispose() => _override = previous;
    }
}
