using System.Runtime.CompilerServices;
using Strata.Tensors;

namespace Strata.Kernels;

/// <summary>
/// A small pool of persistent worker threads. Items are handed out dynamically, but every item
/// writes its own part of the output, so results do not depend on which thread ran what.
/// Nested regions run inline on the calling thread.
/// </summary>
internal static class WorkerPool
{
    private static readonly object Gate = new();
    private static readonly ManualResetEventSlim Done = new(false, spinCount: 2000);
    private static Worker[] _workers = [];
    private static ParallelTask? _task;
    private static int _count;
    private static int _next;
    private static int _active;
    private static Exception? _failure;
    private static InstructionSet _set;

    [ThreadStatic] private static bool _inRegion;

    /// <summary>How many threads a region started here would get: one inside a region, where nested regions run inline.</summary>
    public static int AvailableThreads => _inRegion ? 1 : Compute.Threads;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ParallelTask task, int count)
    {
        int threads = Math.Min(Compute.Threads, count);
        if (threads <= 1 || _inRegion)
        {
            for (int i = 0; i < count; i++)
                task.Execute(i);
            return;
        }

        lock (Gate)
        {
            EnsureWorkers(threads - 1);
            _task = task;
            _count = count;
            _next = 0;
            _failure = null;
            _set = InstructionSets.Current;
            _active = threads - 1;
            Done.Reset();
            for (int w = 0; w < threads - 1; w++)
                _workers[w].Wake.Set();
            _inRegion = true;
            try
            {
                Drain();
            }
            finally
            {
                _inRegion = false;
                Done.Wait();
                _task = null;
            }
            if (_failure is not null)
                throw new AggregateException(_failure).InnerException!;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Drain()
    {
        var task = _task!;
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _count)
        {
            try
            {
                task.Execute(i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
                Volatile.Write(ref _next, _count);
            }
        }
    }

    private static void EnsureWorkers(int needed)
    {
        if (_workers.Length >= needed) return;
        var workers = new Worker[needed];
        Array.Copy(_workers, workers, _workers.Length);
        for (int w = _workers.Length; w < needed; w++)
            workers[w] = new Worker(w);
        _workers = workers;
        // An event's first blocking wait allocates its lock; take it here rather than inside a training step.
        Done.Wait(1);
    }

    private sealed class Worker
    {
        public readonly ManualResetEventSlim Wake = new(false, spinCount: 2000);

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"strata-worker-{index}" };
            thread.Start();
        }

        private void Loop()
        {
            _inRegion = true;
            Wake.Wait(1);
            while (true)
            {
                Wake.Wait();
                Wake.Reset();
                // Workers run the caller's instruction-set path, so a scoped override reaches every item.
                using (InstructionSets.Use(_set))
                    Drain();
                if (Interlocked.Decrement(ref _active) == 0)
                    Done.Set();
            }
        }
    }
}
