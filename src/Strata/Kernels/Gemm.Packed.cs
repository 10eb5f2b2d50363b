using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using Strata.Tensors;

namespace Strata.Kernels;

// The packed product: both operands packed into panels, then C computed tile by tile.
internal static unsafe partial class Gemm
{
    private sealed partial class GemmTask : ParallelTask
    {
        private float* _a, _b, _c;
        private InstructionSet _isa;
        private int _nr;
        private int _lda, _ldb, _ldc, _m, _n, _k, _kc, _mPanels, _nPanels, _kBlocks, _rowBlock, _columnBlock, _columnBlocks;
        private bool _transA, _transB, _accumulate, _packA, _packB;
        // Bias and element-wise activation applied to each tile after its last K block, while it is in L2.
        private float* _bias;
        private ActivationFunction _function;
        private bool _epilogue;
        private float* _aPack, _aPanels, _ownBPack, _bPack;
        private int _blockedItems, _blockedK;
        [ThreadStatic] private static PackedColumns? t_columnBlock;
        private long _aPackLength, _ownBPackLength;
        private readonly PackTask _packing;

        public GemmTask() => _packing = new PackTask(this);

        private int Tiles { get; set; }

        public void Set(InstructionSet isa, float* a, int lda, bool transA, float* c, int ldc, int m, int n, int k, bool accumulate,
            int rowBlock = RowBlock, int columnBlock = ColumnBlock)
        {
            (_isa, _nr) = (isa, PanelWidth(isa));
            _a = a; _c = c;
            (_lda, _transA, _ldc) = (lda, transA, ldc);
            (_m, _n, _k, _accumulate) = (m, n, k, accumulate);
            _mPanels = (m + Mr - 1) / Mr;
            _nPanels = (n + _nr - 1) / _nr;
            _kc = KBlockDepth(k);
            _kBlocks = (k + _kc - 1) / _kc;
            if (a != null) Ensure(ref _aPack, ref _aPackLength, (long)_mPanels * Mr * k);
            _aPanels = _aPack;
            _packA = true;

            // Smaller tiles when there are too few to keep every thread busy (one thread, as inside a
            // convolution's region, needs no more than one); the sums do not change.
            int threads = WorkerPool.AvailableThreads;
            int wanted = threads == 1 ? 1 : 4 * threads;
            _rowBlock = rowBlock;
            _columnBlock = columnBlock;
            while (TileCount() < wanted && _columnBlock > 4 * _nr) _columnBlock /= 2;
            while (TileCount() < wanted && _rowBlock > 4 * Mr) _rowBlock /= 2;
            _columnBlocks = (n + _columnBlock - 1) / _columnBlock;
            Tiles = TileCount();
        }

        /// <summary>B to pack from (then into <paramref name="packed"/> or this task's buffer), or, with b null, packed already.</summary>
        public void SetB(float* b, int ldb, bool transB, PackedB? packed)
        {
            _b = b;
            (_ldb, _transB, _packB) = (ldb, transB, b != null);
            if (packed is not null)
            {
                _bPack = packed.Data;
            }
            else
            {
                Ensure(ref _ownBPack, ref _ownBPackLength, (long)_nPanels * _nr * _k);
                _bPack = _ownBPack;
            }
        }

        public void Run()
        {
            if (_packA && _packB && !_epilogue && (long)_m * _n * _k >= BlockedWork && _n >= 2 * BlockedColumns)
            {
                RunBlocked();
                return;
            }
            WorkerPool.Run(_packing, ((_packA ? _mPanels : 0) + (_packB ? _nPanels : 0)) * _kBlocks);
            WorkerPool.Run(this, Tiles);
            Clear();
        }

        // Large products, one K block at a time: each work item packs its columns of B's block into its own buffer
        // (they stay in L2) and multiplies every A panel by them. The A panels of the next K block are packed by the
        // work items after those, so a thread that runs out of columns packs instead of waiting. Packed B never leaves
        // L2 and no tile waits for all of B to be packed; each value still sums its K blocks in turn, each from zero,
        // so the bits are those of the tiled path.
        private void RunBlocked()
        {
            _blockedItems = (_n + BlockedColumns - 1) / BlockedColumns;
            _blockedK = 0;
            WorkerPool.Run(_packing, _mPanels);
            for (; _blockedK < _kBlocks; _blockedK++)
                WorkerPool.Run(this, _blockedItems + (_blockedK + 1 < _kBlocks ? _mPanels : 0));
            _blockedItems = 0;
            Clear();
        }

        private void PackBlockedA(int kb, int panel)
        {
            int start = kb * _kc, depth = Math.Min(_kc, _k - start);
            PackAPanel(APanel(kb, panel, depth), panel * Mr, start, depth);
        }

        public void PackOnly()
        {
            WorkerPool.Run(_packing, _nPanels * _kBlocks);
            Clear();
        }

        /// <summary>A packed already by <see cref="PackRows"/> into <paramref name="panels"/>.</summary>
        public void SetPackedA(float* panels)
        {
            _aPanels = panels;
            _packA = false;
        }

        private int TileCount() => ((_m + _rowBlock - 1) / _rowBlock) * ((_n + _columnBlock - 1) / _columnBlock);

        public void SetEpilogue(float* bias, ActivationFunction f)
        {
            _bias = bias;
            (_function, _epilogue) = (f, true);
        }

        private void Clear()
        {
            _a = _b = _c = _bPack = _bias = _aPanels = null;
            _epilogue = false;
        }

        private static void Ensure(ref float* buffer, ref long length, long needed)
        {
            if (needed <= length) return;
            if (buffer != null) NativeMemory.AlignedFree(buffer);
            buffer = (float*)NativeMemory.AlignedAlloc((nuint)needed * sizeof(float), 64);
            length = needed;
        }

        // Panels of K block kb start at kb·kc·(panels·width): every earlier block is a full kc deep.
        private float* APanel(int kb, int panel, int kc) => _aPanels + (long)kb * _kc * _mPanels * Mr + (long)panel * Mr * kc;

        private float* BPanel(int kb, int panel, int kc) => _bPack + (long)kb * _kc * _nPanels * _nr + (long)panel * _nr * kc;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int tile)
        {
            if (_blockedItems > 0)
            {
                if (tile < _blockedItems) ExecuteBlocked(tile);
                else PackBlockedA(_blockedK + 1, tile - _blockedItems);
                return;
            }
            int rowPanel0 = tile / _columnBlocks * (_rowBlock / Mr);
            int rowPanelEnd = Math.Min(_mPanels, rowPanel0 + _rowBlock / Mr);
            int columnPanel0 = tile % _columnBlocks * (_columnBlock / _nr);
            int columnPanelEnd = Math.Min(_nPanels, columnPanel0 + _columnBlock / _nr);
            for (int kb = 0; kb < _kBlocks; kb++)
            {
                int kc = Math.Min(_kc, _k - kb * _kc);
                MultiplyPanels(kb, kc, rowPanel0, rowPanelEnd, columnPanel0, columnPanelEnd, BPanel(kb, columnPanel0, kc), _accumulate || kb > 0);
            }
            if (_epilogue) Epilogue(rowPanel0 * Mr, Math.Min(_m, rowPanelEnd * Mr), columnPanel0 * _nr, Math.Min(_n, columnPanelEnd * _nr));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ExecuteBlocked(int item)
        {
            int kb = _blockedK, kc = Math.Min(_kc, _k - kb * _kc);
            int panelsPerItem = BlockedColumns / _nr;
            int columnPanel0 = item * panelsPerItem, columnPanelEnd = Math.Min(_nPanels, columnPanel0 + panelsPerItem);
            float* block = (t_columnBlock ??= new PackedColumns()).Data;
            for (int jp = columnPanel0; jp < columnPanelEnd; jp++)
                PackBPanel(block + (long)(jp - columnPanel0) * _nr * kc, jp * _nr, kb * _kc, kc);
            MultiplyPanels(kb, kc, 0, _mPanels, columnPanel0, columnPanelEnd, block, _accumulate || kb > 0);
        }

        // C's rows of A panels [rowPanel0, rowPanelEnd) and columns of B panels [columnPanel0, columnPanelEnd) (+)= the
        // product over K block kb; B's panels lie one after another from bPanels. Each A panel (Mr·kc) stays in L1 while
        // the B panels stream past from L2.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void MultiplyPanels(int kb, int kc, int rowPanel0, int rowPanelEnd, int columnPanel0, int columnPanelEnd, float* bPanels,
            bool accumulate)
        {
            long bStride = (long)_nr * kc;
            bool prefetch = (long)_m * _n > PrefetchedC;
            int ip = rowPanel0;
            // On AVX-512, two full A panels at a time: each B panel read from L2 feeds twelve rows.
            if (_isa == InstructionSet.Avx512)
            {
                for (; ip + 1 < rowPanelEnd && (ip + 2) * Mr <= _m; ip += 2)
                {
                    float* ap = APanel(kb, ip, kc), ap1 = APanel(kb, ip + 1, kc);
                    for (int jp = columnPanel0; jp < columnPanelEnd; jp++)
                    {
                        int j = jp * _nr, nr = Math.Min(_nr, _n - j);
                        float* c = _c + (long)ip * Mr * _ldc + j, bp = bPanels + (jp - columnPanel0) * bStride;
                        if (prefetch) PrefetchTile(jp + 1 < columnPanelEnd ? c + _nr : _c + (long)(ip + 2) * Mr * _ldc + columnPanel0 * _nr, _ldc, 2 * Mr, _nr);
                        if (nr == Nr512)
                        {
                            MicroKernel12x32(kc, ap, ap1, bp, c, _ldc, accumulate);
                        }
                        else
                        {
                            MicroKernel(_isa, kc, ap, bp, c, _ldc, Mr, nr, accumulate);
                            MicroKernel(_isa, kc, ap1, bp, c + (long)Mr * _ldc, _ldc, Mr, nr, accumulate);
                        }
                    }
                }
            }
            for (; ip < rowPanelEnd; ip++)
            {
                int mr = Math.Min(Mr, _m - ip * Mr);
                float* ap = APanel(kb, ip, kc);
                for (int jp = columnPanel0; jp < columnPanelEnd; jp++)
                {
                    int j = jp * _nr, nr = Math.Min(_nr, _n - j);
                    float* c = _c + (long)ip * Mr * _ldc + j;
                    if (prefetch) PrefetchTile(jp + 1 < columnPanelEnd ? c + _nr : _c + (long)(ip + 1) * Mr * _ldc + columnPanel0 * _nr, _ldc, Mr, _nr);
                    MicroKernel(_isa, kc, ap, bPanels + (jp - columnPanel0) * bStride, c, _ldc, mr, nr, accumulate);
                }
            }
        }

        // The lines of the next tile of C are requested while this one is multiplied: its loads and stores, after the
        // tile's last multiply-add, then find them in L1 instead of waiting on memory. Only a C too large for the caches
        // (more than PrefetchedC values, read and written once per K block) gains; a smaller one loses the instructions.
        // x86 prefetches never fault, so a tile past C's last row costs nothing.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PrefetchTile(float* c, int ldc, int rows, int columns)
        {
            if (!Sse.IsSupported) return;
            for (int r = 0; r < rows; r++, c += ldc)
            {
                for (int q = 0; q < columns; q += 16) Sse.Prefetch0(c + q);
                Sse.Prefetch0(c + columns - 1);
            }
        }

        // One thread's packed columns of B's K block, freed with the thread.
        private sealed class PackedColumns
        {
            public readonly float* Data = (float*)NativeMemory.AlignedAlloc((nuint)(BlockedColumns * DeepMaxKc * sizeof(float)), 64);

            ~PackedColumns() => NativeMemory.AlignedFree(Data);
        }

        // y = f(c + bias) over rows [i0, i1) and columns [j0, j1): element by element, so the bits are those of a pass over whole rows.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Epilogue(int i0, int i1, int j0, int j1)
        {
            int width = j1 - j0;
            var bias = new ReadOnlySpan<float>(_bias + j0, width);
            for (int i = i0; i < i1; i++)
            {
                var row = new Span<float>(_c + (long)i * _ldc + j0, width);
                RowKernels.Add(row, bias, row);
                if (_function != ActivationFunction.Linear) ActivationKernels.Forward(_function, row, row, width);
            }
        }
    }

    private sealed class PackTask(GemmTask owner) : ParallelTask
    {
        public override void Execute(int item) => owner.Pack(item);
    }
}
