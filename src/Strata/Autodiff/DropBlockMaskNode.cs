using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// The DropBlock mask (Ghiasi et al. 2018) for channels-last feature maps [N, H, W, C]: block
/// centres are drawn with probability γ where a whole block fits, every unit within a
/// block_h × block_w square around a centre is dropped, each feature map independently, and kept
/// units are scaled by size/kept so the expected sum is unchanged. γ = rate·H·W / (bh·bw·(H − bh + 1)(W − bw + 1)),
/// so about a fraction <c>rate</c> of units is dropped. Drawn afresh on every forward pass; no gradient.
/// </summary>
internal sealed class DropBlockMaskNode : Node
{
    private readonly int _n, _h, _w, _c, _blockH, _blockW;
    private readonly float _gamma;
    private readonly RandomStream _random;

    public DropBlockMaskNode(Graph graph, int[] shape, float rate, int blockHeight, int blockWidth, RandomStream random)
        : base(graph, shape)
    {
        if (shape.Length != 4) throw new StrataException($"DropBlock needs [batch, height, width, channels]; got {ShapeOps.Format(shape)}.");
        (_n, _h, _w, _c) = (shape[0], shape[1], shape[2], shape[3]);
        _blockH = Math.Min(blockHeight, _h);
        _blockW = Math.Min(blockWidth, _w);
        _gamma = rate * _h * _w / ((float)_blockH * _blockW * (_h - _blockH + 1) * (_w - _blockW + 1));
        _random = random;
    }

    internal override void Forward()
    {
        // The mask is rescaled by the share kept in the whole batch, which no rank sees alone.
        if (Graph.Communicator.Size > 1)
            throw new StrataException("DropBlock2D rescales by the share of the batch it keeps, so it cannot yet train with the batch shared among ranks.");
        ulong key = _random.NextKey();
        var mask = Value.Data;
        Array.Fill(mask, 1f);
        int rowStride = _w * _c, imageStride = _h * rowStride;
        // A centre (i, j) covers rows i − bh/2 .. i − bh/2 + bh − 1; it is valid where that stays inside the map.
        int top = _blockH / 2, left = _blockW / 2;
        for (int n = 0; n < _n; n++)
            for (int i = top; i < _h - (_blockH - 1 - top); i++)
                for (int j = left; j < _w - (_blockW - 1 - left); j++)
                    for (int ch = 0; ch < _c; ch++)
                    {
                        int index = n * imageStride + i * rowStride + j * _c + ch;
                        if (RandomGenerator.Uniform(key, (ulong)index) >= _gamma) continue;
                        for (int bi = i - top; bi < i - top + _blockH; bi++)
                            for (int bj = j - left; bj < j - left + _blockW; bj++)
                                mask[n * imageStride + bi * rowStride + bj * _c + ch] = 0f;
                    }
        double kept = 0;
        foreach (float m in mask) kept += m;
        float scale = kept > 0 ? (float)(mask.Length / kept) : 0f;
        for (int i = 0; i < mask.Length; i++) mask[i] *= scale;
    }

    internal override void Backward() { }
}
