using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

// The products of a convolution with the patches read where they lie (StridedPanels) instead of copied into panels:
// with a few dozen output channels each patch value feeds only a few multiply-adds, so copying it cost as much as a
// quarter of the product. The steps and their order are the packed product's, so are the bits.
internal sealed unsafe partial class ConvNode
{
    // An image's input rows transposed for the forward (channel-major, PadLeft zeros before each row), then a zero row.
    [ThreadStatic] private static float[]? _transposedRows;
    // A chunk's output gradients packed as the kernel gradient's B, where its width is not whole panels.
    [ThreadStatic] private static Gemm.PackedB? _dzPacked;

    // The forward reads its patches from the input rows transposed: a panel of Mr neighbouring output positions in one
    // output row reads, for kernel tap (i, j) and input channel c, Mr consecutive values of row c of input row
    // oh + i. Each input value is moved once per image instead of once per tap (kh·kw times). A panel is never split
    // across output rows, so a row whose width is not a multiple of Mr leaves some of its last panel's rows unused:
    // taken where that waste is small, or where the patches would otherwise be unrolled value by value.
    private bool ForwardsInPlace => _groups == 1 && _g.StrideWidth == 1
        && (_g.OutputWidth % Gemm.Mr == 0 || _g.OutputWidth >= 4 * Gemm.Mr || _g.WindowWidth * _g.Channels < 16);

    // Slots per transposed input row: every column an output row's taps read, padding included.
    private int TransposedPitch => _g.OutputWidth + (_g.WindowWidth - 1) * _g.DilationWidth;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForwardInPlace(float[] x, Gemm.PackedB kernel, float[] z, float[]? epilogueBias, int image0, int images)
    {
        var g = _g;
        var isa = kernel.Isa;
        int pitch = TransposedPitch, rowLength = g.Channels * pitch, width = Gemm.PanelWidth(isa), mr = Gemm.Mr;
        int kc = Gemm.KBlockDepth(_k), kBlocks = (_k + kc - 1) / kc, nPanels = (_out + width - 1) / width;
        int taps = g.WindowHeight * g.WindowWidth;
        // The last panel of a row reads up to 2·Mr slots past the row's end: slack after the zero row keeps that inside.
        int length = (g.Height + 1) * rowLength + 2 * mr;
        var buffer = _transposedRows is { } t && t.Length >= length ? t : _transposedRows = new float[length];
        Array.Clear(buffer, g.Height * rowLength, rowLength + 2 * mr);
        nint* starts = stackalloc nint[taps + kBlocks];
        int* lengths = stackalloc int[taps + kBlocks];
        int* firstRun = stackalloc int[kBlocks + 1];
        fixed (float* px = x, pz = z, pRows = buffer, pBias = epilogueBias)
        {
            float* zeroRow = pRows + (long)g.Height * rowLength;
            for (int image = image0; image < image0 + images; image++)
            {
                TransposeRows(px + (long)image * g.Height * g.Width * g.Channels, pRows, pitch, isa);
                for (int oh = 0; oh < g.OutputHeight; oh++)
                {
                    // The runs of each K block: one per tap (i, j), over the input channels the block holds.
                    int runs = 0;
                    for (int kb = 0; kb < kBlocks; kb++)
                    {
                        firstRun[kb] = runs;
                        int p0 = kb * kc, p1 = Math.Min(_k, p0 + kc);
                        for (int tap = p0 / g.Channels; tap * g.Channels < p1; tap++)
                        {
                            int i = tap / g.WindowWidth, j = tap % g.WindowWidth, ih = g.InputRow(oh, i);
                            int c0 = Math.Max(p0 - tap * g.Channels, 0), c1 = Math.Min(p1 - tap * g.Channels, g.Channels);
                            float* row = ih >= 0 && ih < g.Height ? pRows + (long)ih * rowLength : zeroRow;
                            starts[runs] = (nint)(row + (long)c0 * pitch + j * g.DilationWidth);
                            lengths[runs++] = c1 - c0;
                        }
                    }
                    firstRun[kBlocks] = runs;
                    float* zRow = pz + ((long)(image * g.OutputHeight + oh) * g.OutputWidth) * _out;
                    for (int ow0 = 0; ow0 < g.OutputWidth; ow0 += 2 * mr)
                    {
                        int rows = Math.Min(2 * mr, g.OutputWidth - ow0);
                        for (int jp = 0; jp < nPanels; jp++)
                        {
                            int j0 = jp * width, nr = Math.Min(width, _out - j0);
                            float* c = zRow + (long)ow0 * _out + j0;
                            for (int kb = 0; kb < kBlocks; kb++)
                            {
                                var panels = new StridedPanels(starts + firstRun[kb], lengths + firstRun[kb], firstRun[kb + 1] - firstRun[kb], pitch);
                                // The bias goes in with the last K block's stores; an activation follows on the tile while it is in cache.
                                float* bias = kb == kBlocks - 1 && pBias != null ? pBias + j0 : null;
                                Gemm.MultiplyStrided(isa, panels, ow0, mr, kernel.Panel(kb, jp), width, c, _out, rows, nr, kb > 0, bias);
                            }
                            if (pBias is null || _function == ActivationFunction.Linear) continue;
                            for (int r = 0; r < rows; r++)
                            {
                                var zr = new Span<float>(c + (long)r * _out, nr);
                                ActivationKernels.Forward(_function, zr, zr, nr);
                            }
                        }
                    }
                }
            }
        }
    }

    // rows[ih][c][s] = image[ih, s − PadLeft, c], zero where s − PadLeft falls outside the row.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransposeRows(float* image, float* rows, int pitch, InstructionSet isa)
    {
        var g = _g;
        int channels = g.Channels, columns = g.Width, left = g.PadLeft;
        int first = Math.Max(0, -left), end = Math.Min(columns, pitch - left);
        for (int ih = 0; ih < g.Height; ih++)
        {
            float* src = image + (long)ih * columns * channels, dst = rows + (long)ih * channels * pitch;
            for (int c = 0; c < channels; c++)
            {
                float* d = dst + (long)c * pitch;
                for (int s = 0; s < left + first && s < pitch; s++) d[s] = 0f;
                for (int s = Math.Max(left + end, 0); s < pitch; s++) d[s] = 0f;
            }
            int w = first, c8 = 0;
            // Blocks of eight columns by eight channels transposed in registers.
            if (isa >= InstructionSet.Avx2 && Avx.IsSupported)
                for (; w + 8 <= end; w += 8)
                    for (c8 = 0; c8 + 8 <= channels; c8 += 8)
                        Gemm.Transpose8x8(src + (long)w * channels + c8, channels, dst + (long)c8 * pitch + left + w, pitch);
            for (int c = 0; c < channels; c++)
            {
                float* d = dst + (long)c * pitch + left;
                int from = c < c8 ? w : first;
                for (int s = from; s < end; s++) d[s] = src[(long)s * channels + c];
            }
        }
    }

    // Where patch value k (window row, window column, channel) of a position lies in x, from the position's first value.
    private long PatchOffset(int k)
    {
        var g = _g;
        int tap = k / g.Channels, i = tap / g.WindowWidth, j = tap % g.WindowWidth;
        return ((long)i * g.DilationHeight * g.Width + (long)j * g.DilationWidth) * g.Channels + k % g.Channels;
    }

    // The kernel gradient of a chunk of positions, Σ patchᵀ·dz over them, added to the block's partial. The product's
    // A is the patches' transpose: at step q (a position), Mr consecutive values of one kernel row, which lie side by
    // side in x, and the next position's lie StrideWidth·C further on within an output row; dz's rows serve as B where
    // its width is whole panels. The bits are those of packing both.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void KernelGradientInPlace(float[] x, int image, int p0, int count, ReadOnlySpan<float> dz, Span<float> kernelPartial)
    {
        var g = _g;
        var isa = InstructionSets.Current;
        int mr = Gemm.Mr, width = Gemm.PanelWidth(isa), mPanels = (_k + mr - 1) / mr;
        int kc = Gemm.KBlockDepth(count), nPanels = (_out + width - 1) / width;
        bool dzAsB = _out % width == 0;
        long* offsets = stackalloc long[mr];
        nint* starts = stackalloc nint[kc];
        int* lengths = stackalloc int[kc];
        fixed (float* px = x, pdz = dz, partial = kernelPartial)
        {
            for (int q0 = 0; q0 < count; q0 += kc)
            {
                int depth = Math.Min(kc, count - q0), runs = 0;
                // One run per output row the block's positions cover.
                for (int q = q0; q < q0 + depth;)
                {
                    int oh = (p0 + q) / g.OutputWidth, ow = (p0 + q) % g.OutputWidth, run = Math.Min(g.OutputWidth - ow, q0 + depth - q);
                    starts[runs] = (nint)(px + ((long)(image * g.Height + g.InputRow(oh, 0)) * g.Width + g.InputColumn(ow, 0)) * g.Channels);
                    lengths[runs++] = run;
                    q += run;
                }
                var panels = new StridedPanels(starts, lengths, runs, (long)g.StrideWidth * g.Channels);
                float* b = pdz + (long)q0 * _out;
                long bStride = _out, bPanel = width;
                if (!dzAsB)
                {
                    var packed = _dzPacked ??= new Gemm.PackedB();
                    packed.Pack(dz.Slice(q0 * _out, depth * _out), _out, false, depth, _out);
                    b = packed.Data;
                    (bStride, bPanel) = (width, (long)width * depth);
                }
                for (int ip = 0; ip < mPanels;)
                {
                    int k0 = ip * mr, rows = Math.Min(mr, _k - k0);
                    bool sideBySide = rows == mr;
                    for (int r = 0; r < mr; r++)
                    {
                        // Rows past the last read the first row's values, which no stored value takes.
                        offsets[r] = r < rows ? PatchOffset(k0 + r) : offsets[0];
                        sideBySide &= offsets[r] == offsets[0] + r;
                    }
                    if (!sideBySide)
                    {
                        for (int jp = 0; jp < nPanels; jp++)
                            Gemm.MultiplyGathered(isa, panels, offsets, b + jp * bPanel, bStride, partial + (long)k0 * _out + jp * width, _out,
                                rows, Math.Min(width, _out - jp * width), true);
                        ip++;
                        continue;
                    }
                    // Two panels share the kernel where the second's rows lie side by side after the first's.
                    if (ip + 1 < mPanels && k0 + 2 * mr <= _k && PatchOffset(k0 + 2 * mr - 1) == offsets[0] + 2 * mr - 1) rows = 2 * mr;
                    for (int jp = 0; jp < nPanels; jp++)
                    {
                        int j0 = jp * width;
                        Gemm.MultiplyStrided(isa, panels, offsets[0], mr, b + jp * bPanel, bStride,
                            partial + (long)k0 * _out + j0, _out, rows, Math.Min(width, _out - j0), true);
                    }
                    ip += rows / mr;
                }
            }
        }
    }

    // Whether the patch gradients dz·Wᵀ of positions inside the input can go straight into dx: the product adds each
    // row's values for tap (i, j) to the C input values they were read from, and the next position's lie C further
    // on (a unit column stride). Taken tap by tap, last tap first, each dx value gets its terms in the order of the
    // positions that read it, as folding adds them, and with one K block each term is the product's own row: the
    // bits of folding. That needs every B panel inside one tap (C a multiple of the panel width). Output rows narrower
    // than two tiles fold faster through the product's own tiles, which span rows.
    private bool FoldsInPlace(InstructionSet isa) => _groups == 1 && _g.StrideWidth == 1 && _g.OutputWidth >= 4 * Gemm.Mr
        && _g.Channels % Gemm.PanelWidth(isa) == 0 && Gemm.KBlockDepth(_out) == _out;

    // dx += the patch gradients of a chunk of positions, dz·Wᵀ (Wᵀ packed), each position's patch added where it was read.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InputGradientInPlace(Gemm.PackedB transposedKernel, ReadOnlySpan<float> dz, int image, int p0, int count, float[] dx)
    {
        var g = _g;
        var isa = transposedKernel.Isa;
        int mr = Gemm.Mr, width = Gemm.PanelWidth(isa), panelsPerTap = g.Channels / width, taps = g.WindowHeight * g.WindowWidth;
        int length = Gemm.PackedALength(g.OutputWidth, _out), depth = _out;
        var buffer = _panels is { } a && a.Length >= length ? a : _panels = new float[length];
        nint* rows = stackalloc nint[mr];
        nint start;
        fixed (float* pdz = dz, pdx = dx, pPanels = buffer)
        {
            for (int q0 = 0; q0 < count;)
            {
                // One output row's positions at a time: their dx rows lie C apart.
                int oh = (p0 + q0) / g.OutputWidth, ow = (p0 + q0) % g.OutputWidth, m = Math.Min(g.OutputWidth - ow, count - q0);
                for (int i0 = 0; i0 < m; i0 += mr)
                {
                    // Rows past the segment repeat its last; no stored value takes them.
                    for (int r = 0; r < mr; r++) rows[r] = (nint)(pdz + (long)(q0 + Math.Min(i0 + r, m - 1)) * _out);
                    Gemm.PackRows(pPanels, m, _out, i0, new ReadOnlySpan<nint>(rows, mr), 0, _out, isa);
                }
                float* origin = pdx + ((long)(image * g.Height + g.InputRow(oh, 0)) * g.Width + g.InputColumn(ow, 0)) * g.Channels;
                for (int tap = taps - 1; tap >= 0; tap--)
                {
                    int i = tap / g.WindowWidth, j = tap % g.WindowWidth;
                    float* target = origin + ((long)i * g.DilationHeight * g.Width + (long)j * g.DilationWidth) * g.Channels;
                    for (int t = 0; t < panelsPerTap; t++)
                    {
                        float* b = transposedKernel.Panel(0, tap * panelsPerTap + t);
                        for (int r0 = 0; r0 < m; r0 += 2 * mr)
                        {
                            start = (nint)(pPanels + (long)r0 * depth);
                            var panels = new StridedPanels(&start, &depth, 1, mr);
                            Gemm.MultiplyStrided(isa, panels, 0, (long)mr * depth, b, width, target + (long)r0 * g.Channels + t * width, g.Channels,
                                Math.Min(2 * mr, m - r0), width, true);
                        }
                    }
                }
                q0 += m;
            }
        }
    }
}
