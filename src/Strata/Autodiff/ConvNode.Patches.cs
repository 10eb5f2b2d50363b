using System.Runtime.CompilerServices;
using Strata.Kernels;

namespace Strata.Autodiff;

// A convolution's patches: gathered from the input straight into the product's panels (the forward where it is not
// read in place), unrolled (im2col) where that cannot be, and folded back (col2im).
internal sealed unsafe partial class ConvNode
{
    // Forward's patches straight in the product's A panels, and the rows of one panel when they need unrolling first.
    [ThreadStatic] private static float[]? _panels, _panelRows;

    // Forward of one group: each panel of Mr positions' patches gathered from x straight into the
    // product's A panels (a kernel row is kw·C contiguous input values), skipping the im2col rows;
    // the bits are those of packing the unrolled rows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForwardPacked(float[] x, Gemm.PackedB kernel, float[] z, float[]? epilogueBias, int image0, int images)
    {
        var g = _g;
        int positionsPerImage = g.OutputHeight * g.OutputWidth, span = g.WindowWidth * g.Channels, mr = Gemm.Mr;
        int length = Gemm.PackedALength(_positionsPerChunk, _k);
        var panels = _panels is { } a && a.Length >= length ? a : _panels = new float[length];
        // Rows past the last position read zeros (as the product's own packing pads them); rows needing padding or dilation are unrolled first.
        var rowsBuffer = _panelRows is { } r && r.Length >= (mr + 1) * _k ? r : _panelRows = new float[(mr + 1) * _k];
        Array.Clear(rowsBuffer, mr * _k, _k);
        Span<nint> rows = stackalloc nint[mr];
        // Kernel rows shorter than a vector (one input channel) pack faster unrolled: a panel's rows are then K long.
        bool direct = g.DilationWidth == 1 && span >= 16;
        fixed (float* px = x, pPanels = panels, pRows = rowsBuffer)
        {
            float* zeros = pRows + mr * _k;
            for (int image = image0; image < image0 + images; image++)
                for (int p0 = 0; p0 < positionsPerImage; p0 += _positionsPerChunk)
                {
                    int count = Math.Min(_positionsPerChunk, positionsPerImage - p0);
                    for (int i0 = 0; i0 < count; i0 += mr)
                    {
                        int here = Math.Min(mr, count - i0);
                        if (direct && PatchesInside(p0 + i0, here))
                        {
                            for (int i = 0; i < g.WindowHeight; i++)
                            {
                                for (int q = 0; q < mr; q++)
                                {
                                    if (q >= here) { rows[q] = (nint)zeros; continue; }
                                    int oh = (p0 + i0 + q) / g.OutputWidth, ow = (p0 + i0 + q) % g.OutputWidth;
                                    rows[q] = (nint)(px + ((long)(image * g.Height + g.InputRow(oh, i)) * g.Width + g.InputColumn(ow, 0)) * g.Channels);
                                }
                                Gemm.PackRows(pPanels, count, _k, i0, rows, i * span, span, kernel.Isa);
                            }
                        }
                        else
                        {
                            Unroll(x, image, p0 + i0, here, rowsBuffer.AsSpan(0, here * _k));
                            for (int q = 0; q < mr; q++) rows[q] = (nint)(q < here ? pRows + q * _k : zeros);
                            Gemm.PackRows(pPanels, count, _k, i0, rows, 0, _k, kernel.Isa);
                        }
                    }
                    int row = image * positionsPerImage + p0;
                    if (epilogueBias is null) Gemm.Multiply(pPanels, kernel, z.AsSpan(row * _out), _out, count, false);
                    else Gemm.Multiply(pPanels, kernel, z.AsSpan(row * _out), _out, count, epilogueBias, _function);
                }
        }
    }

    // Whether every kernel row of the patches of positions p0 .. p0 + count - 1 lies inside the input.
    private bool PatchesInside(int p0, int count)
    {
        var g = _g;
        for (int q = p0; q < p0 + count; q++)
        {
            int oh = q / g.OutputWidth, ow = q % g.OutputWidth;
            int iw0 = g.InputColumn(ow, 0), ih0 = g.InputRow(oh, 0), ih1 = g.InputRow(oh, g.WindowHeight - 1);
            if (iw0 < 0 || iw0 + g.WindowWidth > g.Width || ih0 < 0 || ih1 >= g.Height) return false;
        }
        return true;
    }

    // im2col for output positions p0.. of image n: row per position, columns [group][i][j][channel in group]; zeros outside the map.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Unroll(float[] x, int n, int p0, int count, Span<float> cols)
    {
        var g = _g;
        for (int row = 0; row < count; row++)
        {
            int oh = (p0 + row) / g.OutputWidth, ow = (p0 + row) % g.OutputWidth;
            var dst = cols.Slice(row * _k, _k);
            for (int i = 0; i < g.WindowHeight; i++)
            {
                int ih = g.InputRow(oh, i);
                int iw0 = g.InputColumn(ow, 0);
                // One group, dilation 1, the whole kernel row inside: kw·C contiguous values, one copy.
                if (_groups == 1 && g.DilationWidth == 1 && ih >= 0 && ih < g.Height && iw0 >= 0 && iw0 + g.WindowWidth <= g.Width)
                {
                    x.AsSpan(((n * g.Height + ih) * g.Width + iw0) * g.Channels, g.WindowWidth * g.Channels)
                        .CopyTo(dst.Slice(i * g.WindowWidth * g.Channels));
                    continue;
                }
                for (int j = 0; j < g.WindowWidth; j++)
                {
                    int iw = iw0 + j * g.DilationWidth;
                    int tap = (i * g.WindowWidth + j) * _inPerGroup;
                    bool inside = ih >= 0 && ih < g.Height && iw >= 0 && iw < g.Width;
                    int source = ((n * g.Height + ih) * g.Width + iw) * g.Channels;
                    for (int grp = 0; grp < _groups; grp++)
                    {
                        var d = dst.Slice(grp * _kPerGroup + tap, _inPerGroup);
                        if (inside) x.AsSpan(source + grp * _inPerGroup, _inPerGroup).CopyTo(d);
                        else d.Clear();
                    }
                }
            }
        }
    }

    // col2im: adds each patch gradient back to the input positions it was read from.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Fold(ReadOnlySpan<float> cols, int n, int p0, int count, float[] dx)
    {
        var g = _g;
        for (int row = 0; row < count; row++)
        {
            int oh = (p0 + row) / g.OutputWidth, ow = (p0 + row) % g.OutputWidth;
            var src = cols.Slice(row * _k, _k);
            for (int i = 0; i < g.WindowHeight; i++)
            {
                int ih = g.InputRow(oh, i);
                if (ih < 0 || ih >= g.Height) continue;
                int iw0 = g.InputColumn(ow, 0);
                if (_groups == 1 && g.DilationWidth == 1 && iw0 >= 0 && iw0 + g.WindowWidth <= g.Width)
                {
                    var d = dx.AsSpan(((n * g.Height + ih) * g.Width + iw0) * g.Channels, g.WindowWidth * g.Channels);
                    RowKernels.Add(d, src.Slice(i * g.WindowWidth * g.Channels, d.Length), d);
                    continue;
                }
                for (int j = 0; j < g.WindowWidth; j++)
                {
                    int iw = iw0 + j * g.DilationWidth;
                    if (iw < 0 || iw >= g.Width) continue;
                    int tap = (i * g.WindowWidth + j) * _inPerGroup;
                    int target = ((n * g.Height + ih) * g.Width + iw) * g.Channels;
                    for (int grp = 0; grp < _groups; grp++)
                    {
                        var d = dx.AsSpan(target + grp * _inPerGroup, _inPerGroup);
                        RowKernels.Add(d, src.Slice(grp * _kPerGroup + tap, _inPerGroup), d);
                    }
                }
            }
        }
    }
}
