using Xunit;

// Compute.Threads and the kernels' scalar switch are process-wide; tests that change them must not overlap.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
