using System.Runtime.CompilerServices;
using Strata.Kernels;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Regularization;
using Strata.Tensors;

namespace Strata.Models;

/// <summary>
/// A trained Sequential of dense layers compiled for prediction only: no graph, no training-mode work.
/// Dropout-family layers vanish (they are the identity at inference), each BatchNormalization becomes
/// the affine map its moving statistics define and is folded into a neighbouring Dense — into the one
/// before when that one is linear (exact: the map applies to its output), otherwise into the one after
/// (its rows scaled, its bias shifted). Kernels are stored transposed, so a batch of up to three rows
/// streams each Dense's weights once, front to back, with bias and activation applied to each block of
/// outputs while it is in cache; larger batches run the matrix product on weights packed once. The weights are copied when the model is compiled: train
/// the Sequential again and compile it again.
/// </summary>
/// <remarks>
/// Folding moves BatchNormalization's rounding into the weights, and a batch of up to three rows sums
/// each output in another order than the graph's product, so predictions agree with
/// <see cref="Sequential.Predict(Tensor, int)"/> to float precision; without BatchNormalization, batches
/// of four rows or more agree bit for bit. One call at a time: the buffers are reused.
/// </remarks>
public sealed class InferenceModel
{
    private readonly List<Step> _steps;
    private readonly int _widest;
    private float[] _ping = [], _pong = [];

    private InferenceModel(List<Step> steps, int inputWidth)
    {
        _steps = steps;
        InputWidth = inputWidth;
        _widest = steps.Count == 0 ? inputWidth : steps.Max(s => s.Width);
    }

    /// <summary>Features per input row.</summary>
    public int InputWidth { get; }

    /// <summary>Values per output row.</summary>
    public int OutputWidth => _steps.Count == 0 ? InputWidth : _steps[^1].Width;

    /// <summary>How many Dense products a prediction runs (after folding).</summary>
    public int Products => _steps.Count(s => s.Kernel is not null);

    /// <summary>
    /// Compiles a built model whose layers take [batch, features] rows: InputLayer, Dense, Activation and
    /// the activation layers, BatchNormalization on the features, and dropout-family layers; any other layer
    /// is an error naming it (use <see cref="Sequential.Predict(Tensor, int)"/> for such a model).
    /// </summary>
    public static InferenceModel Create(Sequential model)
    {
        if (!model.IsBuilt || model.InputShape is not { Count: 2 } input || input[1] <= 0)
            throw new StrataException("An inference model needs a built Sequential whose inputs are [batch, features] rows.");
        var steps = new List<Step>();
        int width = input[1];
        float[]? scale = null, shift = null;
        foreach (var layer in model.Layers)
        {
            switch (layer)
            {
                case InputLayer:
                case Dropout or GaussianDropout or GaussianNoise or AlphaDropout or SpatialDropout1D:
                    break;
                case Dense dense:
                    var step = Step.FromDense(dense, width);
                    if (scale is not null) step.FoldInputAffine(scale, shift!);
                    scale = shift = null;
                    steps.Add(step);
                    width = step.Width;
                    break;
                case BatchNormalization norm:
                    var (s, t) = Affine(norm, width);
                    if (steps.Count > 0 && scale is null && steps[^1] is { Kernel: not null, Activation: ActivationFunction.Linear } last)
                        last.FoldOutputAffine(s, t);
                    else if (scale is null)
                        (scale, shift) = (s, t);
                    else
                        (scale, shift) = (Enumerable.Range(0, width).Select(i => scale[i] * s[i]).ToArray(),
                            Enumerable.Range(0, width).Select(i => shift![i] * s[i] + t[i]).ToArray());
                    break;
                // Only an activation its function alone describes (no max_value, threshold or own slope).
                case IActivated activated when layer is not IWeightLayer && activated.ActivationArguments.Equals(new ActivationArguments(activated.Activation)):
                    Flush(steps, ref scale, ref shift, width);
                    if (steps.Count > 0 && steps[^1] is { Kernel: not null, Activation: ActivationFunction.Linear } linear)
                        linear.Activation = activated.Activation;
                    else
                        steps.Add(Step.Elementwise(activated.Activation, width));
                    break;
                default:
                    throw new StrataException($"Layer '{layer.Name}' ({layer.ClassName}) has no place in an inference model of dense layers; use Sequential.Predict for this model.");
            }
        }
        Flush(steps, ref scale, ref shift, width);
        foreach (var step in steps) step.Transpose();
        return new InferenceModel(steps, input[1]);
    }

    // A BatchNormalization no Dense took becomes a step of its own.
    private static void Flush(List<Step> steps, ref float[]? scale, ref float[]? shift, int width)
    {
        if (scale is null) return;
        steps.Add(Step.Affine(scale, shift!, width));
        scale = shift = null;
    }

    // y = (x − mean)/√(var + ε)·γ + β = x·s + t, computed in double.
    private static (float[] Scale, float[] Shift) Affine(BatchNormalization norm, int width)
    {
        if (norm.Axes.Count != 1 || (norm.Axis != -1 && norm.Axis != 1) || norm.MovingMean is null || norm.MovingVariance is null
            || norm.MovingMean.Value.Size != width)
            throw new StrataException($"BatchNormalization '{norm.Name}' of an inference model must normalize the {width} features of [batch, features] rows.");
        var scale = new float[width];
        var shift = new float[width];
        for (int i = 0; i < width; i++)
        {
            double s = (norm.Gamma?.Value.Data[i] ?? 1.0) / Math.Sqrt(norm.MovingVariance.Value.Data[i] + norm.Epsilon);
            scale[i] = (float)s;
            shift[i] = (float)((norm.Beta?.Value.Data[i] ?? 0.0) - norm.MovingMean.Value.Data[i] * s);
        }
        return (scale, shift);
    }

    /// <summary>The predictions for every row of <paramref name="x"/> ([rows, features]).</summary>
    public Tensor Predict(Tensor x)
    {
        if (x.Rank != 2 || x.Dim(1) != InputWidth)
            throw new StrataException($"The inference model takes rows of {InputWidth} features; got shape {ShapeOps.Format(x.ShapeArray())}.");
        var y = new Tensor(x.Dim(0), OutputWidth);
        Predict(x.Data, x.Dim(0), y.Data);
        return y;
    }

    /// <summary>
    /// Writes the predictions of <paramref name="rows"/> rows of <paramref name="x"/> to <paramref name="y"/>;
    /// after the first call with a row count, calls with that many rows or fewer allocate nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Predict(ReadOnlySpan<float> x, int rows, Span<float> y)
    {
        if (x.Length < rows * InputWidth || y.Length < rows * OutputWidth)
            throw new ArgumentException($"{rows} rows need {rows * InputWidth} inputs and {rows * OutputWidth} outputs; got {x.Length} and {y.Length}.");
        if (_steps.Count == 0)
        {
            x[..(rows * InputWidth)].CopyTo(y);
            return;
        }
        int widest = _widest * rows;
        if (_ping.Length < widest) (_ping, _pong) = (new float[widest], new float[widest]);
        ReadOnlySpan<float> current = x[..(rows * InputWidth)];
        int width = InputWidth;
        float[] output = _ping;
        for (int i = 0; i < _steps.Count; i++)
        {
            output = i % 2 == 0 ? _ping : _pong;
            _steps[i].Run(current, rows, width, output);
            width = _steps[i].Width;
            current = output.AsSpan(0, rows * width);
        }
        current.CopyTo(y);
    }

    /// <summary>One product with bias and activation, one per-feature affine map, or one activation.</summary>
    private sealed class Step
    {
        // [inputs, units] while folding, then [units, inputs]: each output's weights contiguous.
        public float[]? Kernel;
        public bool Transposed;
        // The kernel packed into the matrix product's panels once, for batches of four rows or more.
        private Gemm.PackedB? _packed;
        public float[]? Bias;
        public float[]? Scale;
        public ActivationFunction Activation;
        public int Width;

        public static Step FromDense(Dense dense, int inputs)
        {
            if (dense.Kernel is null || dense.Kernel.Value.Dim(0) != inputs)
                throw new StrataException($"Dense '{dense.Name}' of an inference model must take the {inputs} features before it.");
            return new Step
            {
                Kernel = (float[])dense.Kernel.Value.Data.Clone(),
                Bias = dense.Bias is null ? new float[dense.Units] : (float[])dense.Bias.Value.Data.Clone(),
                Activation = dense.Activation,
                Width = dense.Units,
            };
        }

        public static Step Affine(float[] scale, float[] shift, int width) =>
            new() { Scale = scale, Bias = shift, Activation = ActivationFunction.Linear, Width = width };

        public static Step Elementwise(ActivationFunction f, int width) => new() { Activation = f, Width = width };

        // (x·W + b)·s + t = x·(W·diag s) + (b·s + t).
        public void FoldOutputAffine(float[] scale, float[] shift)
        {
            int inputs = Kernel!.Length / Width;
            for (int r = 0; r < inputs; r++)
                for (int j = 0; j < Width; j++) Kernel[r * Width + j] *= scale[j];
            for (int j = 0; j < Width; j++) Bias![j] = Bias[j] * scale[j] + shift[j];
        }

        // (x·s + t)·W + b = x·(diag s·W) + (t·W + b).
        public void FoldInputAffine(float[] scale, float[] shift)
        {
            int inputs = scale.Length;
            var bias = Bias!.Select(v => (double)v).ToArray();
            for (int r = 0; r < inputs; r++)
                for (int j = 0; j < Width; j++)
                {
                    bias[j] += (double)shift[r] * Kernel![r * Width + j];
                    Kernel[r * Width + j] *= scale[r];
                }
            for (int j = 0; j < Width; j++) Bias![j] = (float)bias[j];
        }

        public void Transpose()
        {
            if (Kernel is null) return;
            int inputs = Kernel.Length / Width;
            // A few inputs make a dot product all tail: such a layer keeps its rows and runs as a sum of scaled rows.
            if (inputs < MinimumDotLength) return;
            var transposed = new float[Kernel.Length];
            for (int r = 0; r < inputs; r++)
                for (int j = 0; j < Width; j++) transposed[j * inputs + r] = Kernel[r * Width + j];
            Kernel = transposed;
            Transposed = true;
        }

        private const int MinimumDotLength = 32;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(ReadOnlySpan<float> x, int rows, int inputs, float[] y)
        {
            bool elementwise = Activation is not (ActivationFunction.Softmax or ActivationFunction.LogSoftmax);
            if (Kernel is not null && rows <= Gemm.DirectRows && !Transposed)
            {
                Gemm.Multiply(x, inputs, false, Kernel, Width, false, y, Width, rows, Width, inputs, false);
                RowKernels.BiasActivation(y, Bias, y, rows, Width, Activation);
            }
            else if (Kernel is not null && rows <= Gemm.DirectRows && elementwise)
            {
                Gemv.Multiply(x, rows, Kernel, Bias, inputs, Width, y, Activation);
            }
            else if (Kernel is not null && Transposed && Width == 1 && elementwise)
            {
                // One output (a regression head): a panel of B would be one column in 32.
                Gemm.MultiplyColumn(x, inputs, rows, inputs, Kernel, Bias![0], y, Activation);
            }
            else if (Kernel is not null)
            {
                if (_packed is null || _packed.Isa != InstructionSets.Current)
                {
                    _packed ??= new Gemm.PackedB();
                    _packed.Pack(Kernel, Transposed ? inputs : Width, Transposed, inputs, Width);
                }
                if (elementwise)
                {
                    Gemm.Multiply(x, inputs, false, _packed, y, Width, rows, Bias, Activation);
                }
                else
                {
                    Gemm.Multiply(x, inputs, false, _packed, y, Width, rows, false);
                    RowKernels.BiasActivation(y, Bias, y, rows, Width, Activation);
                }
            }
            else if (Scale is not null)
            {
                for (int r = 0; r < rows; r++)
                {
                    var row = y.AsSpan(r * Width, Width);
                    RowKernels.Multiply(x.Slice(r * Width, Width), Scale, row);
                    RowKernels.Add(row, Bias, row);
                }
            }
            else
            {
                ActivationKernels.Forward(Activation, x, y.AsSpan(0, rows * Width), Width);
            }
        }
    }
}
