namespace Strata.Kernels;

/// <summary>
/// A body of parallel work split into numbered items. Kernels keep one instance per call site and
/// set its fields before each run, so a parallel region allocates nothing.
/// </summary>
internal abstract class ParallelTask
{
    public abstract void Execute(int index);
}
