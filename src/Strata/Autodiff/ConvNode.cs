using System.Runtime.CompilerServices;
using Strata.Distributed;
using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// Fused y = f(conv(x, kernel) + bias) on channels-last maps, kernel [kh, kw, in/groups, out] as Keras.
/// With one group and a unit column stride, the forward reads each image's input rows transposed (every value moved
/// once, not once per tap) and multiplies them by the kernel in place (ConvNode.InPlace.cs); otherwise, a few output
/// positions at a time, the patches are gathered from x (channels-last makes each kernel row a contiguous copy)
/// straight into the packed GEMM's panels. Backward reads the patches again rather than keeping them (memory
/// traffic, not arithmetic, limits a convolution kept in memory): their transpose, read where it lies in x, times
/// dz is added to the kernel gradient, and the patch gradients dz·Wᵀ, written into a per-thread buffer small enough
/// to stay in cache, are folded back into dx (col2im). Where padding rules that out, the patches are unrolled into
/// rows first (im2col); see ConvNode.Patches.cs. Every path sums in the packed product's order, so all give its bits.
/// Work is split into a fixed number of blocks of whole images, and the kernel gradient is summed from per-block
/// partials in block order, so results do not depend on the thread count. Depthwise convolutions (one input and one
/// output channel per group) take a direct vector path.
/// </summary>
internal sealed unsafe partial class ConvNode : Node
{
    private const int MaxBlocks = 32;
    private const int PatchBufferFloats = 1 << 15;

    [ThreadStatic] private static float[]? _patches;

    private readonly ConvGeometry _g;
    private readonly int _groups, _inPerGroup, _out, _outPerGroup, _k, _kPerGroup;
    private readonly int _imagesPerBlock, _blocks, _positionsPerChunk;
    private readonly bool _depthwise;
    private readonly ActivationFunction _function;
    private readonly float[]? _z;
    private readonly ConvTask _task;
    private float[]? _dz, _partials, _unrolled;
    private double[]? _maxima;

    public ConvNode(Node x, Node kernel, Node? bias, ConvGeometry geometry, int groups, ActivationFunction function)
        : base(x.Graph, [geometry.Batch, geometry.OutputHeight, geometry.OutputWidth, kernel.Shape[3]],
            bias is null ? [x, kernel] : [x, kernel, bias])
    {
        _g = geometry;
        _groups = groups;
        _inPerGroup = geometry.Channels / groups;
        _out = kernel.Shape[3];
        _outPerGroup = _out / groups;
        _kPerGroup = geometry.WindowHeight * geometry.WindowWidth * _inPerGroup;
        _k = _kPerGroup * groups;
        if (kernel.Shape[0] != geometry.WindowHeight || kernel.Shape[1] != geometry.WindowWidth || kernel.Shape[2] != _inPerGroup || _out % groups != 0)
            throw new StrataException($"Convolution kernel {ShapeOps.Format(kernel.Shape)} does not fit {geometry.Channels} input channels in {groups} groups and a {geometry.WindowHeight}×{geometry.WindowWidth} window.");
        _function = function;
        _depthwise = groups > 1 && _inPerGroup == 1 && _outPerGroup == 1;
        _imagesPerBlock = (geometry.Batch + MaxBlocks - 1) / MaxBlocks;
        _blocks = (geometry.Batch + _imagesPerBlock - 1) / _imagesPerBlock;
        _positionsPerChunk = Math.Max(Gemm.Mr, PatchBufferFloats / _k / Gemm.Mr * Gemm.Mr);
        if (ActivationKernels.NeedsPreActivation(function)) _z = new float[Value.Size];
        _task = new ConvTask(this);
    }

    private Node? Bias => Inputs.Count > 2 ? Inputs[2] : null;

    internal override void Forward()
    {
        var z = _z ?? Value.Data;
        var bias = Bias?.Value.Data;
        // One group, a bias and an element-wise activation applied to the output itself: each tile of the
        // product gets them while in cache (same bits) instead of in another pass over the output.
        bool fused = !_depthwise && _groups == 1 && _k > 0 && _z is null && bias is not null
            && _function is not (ActivationFunction.Softmax or ActivationFunction.LogSoftmax);
        _task.Run(ConvStage.Forward, z, epilogueBias: fused ? bias : null);
        if (fused) return;
        if (_z is null)
        {
            RowKernels.BiasActivation(z, bias, Value.Data, _g.Positions, _out, _function);
        }
        else
        {
            if (bias is not null) RowKernels.BiasActivation(z, bias, z, _g.Positions, _out, ActivationFunction.Linear);
            ActivationKernels.Forward(_function, z, Value.Data, _out);
        }
    }

    internal override void Backward()
    {
        var dz = PreActivationGradient(_function, _z, ref _dz, _out);
        Node x = Inputs[0], kernel = Inputs[1];
        var kernelSums = (kernel as ParameterNode)?.FixedPointGradient;
        var biasSums = (Bias as ParameterNode)?.FixedPointGradient;
        bool kernelGradient = Flows(kernel) && kernelSums is null;
        if (kernelGradient)
        {
            _partials ??= new float[_blocks * kernel.Value.Size];
            Array.Clear(_partials);
        }
        _task.Run(ConvStage.Backward, dz, kernelGradient, Flows(x));
        if (kernelGradient)
        {
            var dk = kernel.Gradient!.Data;
            int size = dk.Length;
            for (int b = 0; b < _blocks; b++)
                RowKernels.Add(dk, _partials.AsSpan(b * size, size), dk);
        }
        if (kernelSums is not null || biasSums is not null) AddFixedPointSums(x.Value.Data, dz, kernelSums, biasSums);
        if (biasSums is null && Bias is { } bias && Flows(bias))
            RowKernels.ColumnSums(dz, _g.Positions, _out, bias.Gradient!.Data, true);
    }

    // One group, not depthwise: the kernel gradient is patchesᵀ·dz, a Dense kernel gradient over every output position.
    internal override (int Rows, int Columns)? FixedPointLayout(int input) =>
        _groups != 1 ? null : input switch { 1 => (_k, _out), 2 => (1, _out), _ => null };

    // The kernel and bias gradients in fixed point (Graph.ReproducibleSums). A term of dK[k, o] is bounded by max|x| over
    // the input channel patch column k reads (padding adds zeros) times max|dz[·, o]|, both over the whole batch. The
    // patches are unrolled a few images at a time; integer sums do not depend on how the positions are grouped.
    private void AddFixedPointSums(float[] x, float[] dz, FixedPointGradient? kernelSums, FixedPointGradient? biasSums)
    {
        int channels = _g.Channels, positions = _g.OutputHeight * _g.OutputWidth;
        var maxima = _maxima ??= new double[channels + _out];
        Array.Clear(maxima);
        FixedPointSums.ColumnMaxima(x, channels, x.Length / channels, channels, maxima.AsSpan(0, channels));
        FixedPointSums.ColumnMaxima(dz, _out, _g.Positions, _out, maxima.AsSpan(channels));
        Graph.Communicator.AllReduceMax(maxima);
        int bits = FixedPointSums.Bits(Graph.TermsOverBatch(_g.Positions, _g.Batch));
        if (biasSums is not null)
        {
            for (int o = 0; o < _out; o++) biasSums.ColumnScale[o] = FixedPointSums.Scale(bits, FixedPointSums.Exponent(maxima[channels + o]));
            FixedPointSums.AddColumnSums(dz, _out, biasSums.Sums, _g.Positions, _out, biasSums.ColumnScale);
        }
        if (kernelSums is null) return;
        for (int k = 0; k < _k; k++) kernelSums.RowScale[k] = FixedPointSums.Scale(bits, FixedPointSums.Exponent(maxima[k % channels]));
        for (int o = 0; o < _out; o++) kernelSums.ColumnScale[o] = FixedPointSums.Scale(0, FixedPointSums.Exponent(maxima[channels + o]));
        int images = Math.Max(1, (1 << 20) / Math.Max(1, positions * _k));
        var unrolled = _unrolled ??= new float[Math.Min(images, _g.Batch) * positions * _k];
        for (int image0 = 0; image0 < _g.Batch; image0 += images)
        {
            int count = Math.Min(images, _g.Batch - image0);
            for (int i = 0; i < count; i++) Unroll(x, image0 + i, 0, positions, unrolled.AsSpan(i * positions * _k, positions * _k));
            FixedPointSums.AddTransposedProduct(unrolled, _k, dz.AsSpan(image0 * positions * _out), _out, kernelSums.Sums,
                count * positions, _k, _out, kernelSums.RowScale, kernelSums.ColumnScale);
        }
    }

    private enum ConvStage { Forward, Backward }

    private sealed class ConvTask(ConvNode node) : ParallelTask
    {
        private ConvStage _stage;
        private float[]? _z, _epilogueBias;
        private bool _kernelGradient, _inputGradient;

        // Per group, the kernel as the forward product's B and its transpose as the patch gradients' B:
        // packed once per pass instead of once per chunk of positions.
        private Gemm.PackedB[] _kernels = [], _transposedKernels = [];

        public void Run(ConvStage stage, float[] z, bool kernelGradient = false, bool inputGradient = false, float[]? epilogueBias = null)
        {
            (_stage, _z, _kernelGradient, _inputGradient, _epilogueBias) = (stage, z, kernelGradient, inputGradient, epilogueBias);
            var n = node;
            if (!n._depthwise && (stage == ConvStage.Forward || inputGradient))
            {
                var kernel = n.Inputs[1].Value.Data;
                bool transposed = stage == ConvStage.Backward;
                ref var packed = ref transposed ? ref _transposedKernels : ref _kernels;
                if (packed.Length == 0) packed = Enumerable.Range(0, n._groups).Select(_ => new Gemm.PackedB()).ToArray();
                for (int grp = 0; grp < n._groups; grp++)
                {
                    if (transposed) packed[grp].Pack(kernel.AsSpan(grp * n._outPerGroup), n._out, true, n._outPerGroup, n._kPerGroup);
                    else packed[grp].Pack(kernel.AsSpan(grp * n._outPerGroup), n._out, false, n._kPerGroup, n._outPerGroup);
                }
            }
            WorkerPool.Run(this, node._blocks);
            _z = _epilogueBias = null;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int block)
        {
            var n = node;
            var g = n._g;
            int image0 = block * n._imagesPerBlock, images = Math.Min(n._imagesPerBlock, g.Batch - image0);
            int positionsPerImage = g.OutputHeight * g.OutputWidth;
            var x = n.Inputs[0].Value.Data;
            var kernel = n.Inputs[1].Value.Data;
            if (n._depthwise)
            {
                if (_stage == ConvStage.Forward) n.DepthwiseForward(x, kernel, _z!, image0, images);
                else n.DepthwiseBackward(x, kernel, _z!, image0, images, block, _kernelGradient, _inputGradient);
                return;
            }
            if (_stage == ConvStage.Forward && n._groups == 1)
            {
                if (n.ForwardsInPlace) n.ForwardInPlace(x, _kernels[0], _z!, _epilogueBias, image0, images);
                else n.ForwardPacked(x, _kernels[0], _z!, _epilogueBias, image0, images);
                return;
            }
            var patches = _patches is { } p && p.Length >= n._positionsPerChunk * n._k ? p : _patches = new float[n._positionsPerChunk * n._k];
            var kernelPartial = _kernelGradient ? n._partials.AsSpan(block * kernel.Length, kernel.Length) : default;
            for (int image = image0; image < image0 + images; image++)
                for (int p0 = 0; p0 < positionsPerImage; p0 += n._positionsPerChunk)
                {
                    int count = Math.Min(n._positionsPerChunk, positionsPerImage - p0);
                    int row = image * positionsPerImage + p0;
                    var cols = patches.AsSpan(0, count * n._k);
                    // The kernel gradient can take the patches straight from x; otherwise they are unrolled first.
                    bool patchesInPlace = _stage == ConvStage.Backward && _kernelGradient && n._groups == 1 && n.PatchesInside(p0, count);
                    if (!patchesInPlace) n.Unroll(x, image, p0, count, cols);
                    if (_stage == ConvStage.Forward)
                    {
                        for (int grp = 0; grp < n._groups; grp++)
                            Gemm.Multiply(cols[(grp * n._kPerGroup)..], n._k, false, _kernels[grp],
                                _z.AsSpan(row * n._out + grp * n._outPerGroup), n._out, count, false);
                        continue;
                    }
                    var dz = _z.AsSpan(row * n._out, count * n._out);
                    if (patchesInPlace)
                        n.KernelGradientInPlace(x, image, p0, count, dz, kernelPartial);
                    else if (_kernelGradient)
                        for (int grp = 0; grp < n._groups; grp++)
                            Gemm.Multiply(cols[(grp * n._kPerGroup)..], n._k, true, dz[(grp * n._outPerGroup)..], n._out, false,
                                kernelPartial[(grp * n._outPerGroup)..], n._out, n._kPerGroup, n._outPerGroup, count, true);
                    if (!_inputGradient) continue;
                    if (n._groups == 1 && n.FoldsInPlace(_transposedKernels[0].Isa) && n.PatchesInside(p0, count))
                    {
                        n.InputGradientInPlace(_transposedKernels[0], dz, image, p0, count, n.Inputs[0].Gradient!.Data);
                        continue;
                    }
                    // The patches have served the kernel gradient: their rows become the patch gradients dz·Wᵀ.
                    for (int grp = 0; grp < n._groups; grp++)
                        Gemm.Multiply(dz[(grp * n._outPerGroup)..], n._out, false, _transposedKernels[grp],
                            cols[(grp * n._kPerGroup)..], n._k, count, false);
                    n.Fold(cols, image, p0, count, n.Inputs[0].Gradient!.Data);
                }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DepthwiseForward(float[] x, float[] kernel, float[] z, int image0, int images)
    {
        var g = _g;
        int c = g.Channels;
        for (int n = image0; n < image0 + images; n++)
            for (int oh = 0; oh < g.OutputHeight; oh++)
                for (int ow = 0; ow < g.OutputWidth; ow++)
                {
                    var y = z.AsSpan(((n * g.OutputHeight + oh) * g.OutputWidth + ow) * c, c);
                    y.Clear();
                    for (int i = 0; i < g.WindowHeight; i++)
                    {
                        int ih = g.InputRow(oh, i);
                        if (ih < 0 || ih >= g.Height) continue;
                        for (int j = 0; j < g.WindowWidth; j++)
                        {
                            int iw = g.InputColumn(ow, j);
                            if (iw < 0 || iw >= g.Width) continue;
                            RowKernels.MultiplyAdd(x.AsSpan(((n * g.Height + ih) * g.Width + iw) * c, c), kernel.AsSpan((i * g.WindowWidth + j) * c, c), y);
                        }
                    }
                }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DepthwiseBackward(float[] x, float[] kernel, float[] dz, int image0, int images, int block, bool kernelGradient, bool inputGradient)
    {
        var g = _g;
        int c = g.Channels;
        var partial = kernelGradient ? _partials.AsSpan(block * kernel.Length, kernel.Length) : default;
        var dx = inputGradient ? Inputs[0].Gradient!.Data : null;
        for (int n = image0; n < image0 + images; n++)
            for (int oh = 0; oh < g.OutputHeight; oh++)
                for (int ow = 0; ow < g.OutputWidth; ow++)
                {
                    var dy = dz.AsSpan(((n * g.OutputHeight + oh) * g.OutputWidth + ow) * c, c);
                    for (int i = 0; i < g.WindowHeight; i++)
                    {
                        int ih = g.InputRow(oh, i);
                        if (ih < 0 || ih >= g.Height) continue;
                        for (int j = 0; j < g.WindowWidth; j++)
                        {
                            int iw = g.InputColumn(ow, j);
                            if (iw < 0 || iw >= g.Width) continue;
                            int source = ((n * g.Height + ih) * g.Width + iw) * c, tap = (i * g.WindowWidth + j) * c;
                            if (kernelGradient) RowKernels.MultiplyAdd(x.AsSpan(source, c), dy, partial.Slice(tap, c));
                            if (dx is not null) RowKernels.MultiplyAdd(dy, kernel.AsSpan(tap, c), dx.AsSpan(source, c));
                        }
                    }
                }
    }
}
