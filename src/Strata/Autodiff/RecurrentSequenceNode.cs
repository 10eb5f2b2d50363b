using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// A whole recurrent sequence in one node, from the inputs' projections (x·kernel + input bias for every
/// step, [batch, timesteps, gates·units]) and zero initial states; the output is every step's output,
/// [batch, timesteps, units], in processing order (the inputs reversed with go_backwards). This part
/// runs the loop and the product of the (masked) previous output with the recurrent kernel, both ways;
/// the cell's gate update is the subclass's.
/// </summary>
internal abstract class RecurrentSequenceNode : Node
{
    private readonly bool _backwards;
    private readonly int _maskIndex;
    private readonly float[] _previous;
    private float[]? _dPrevious;

    // Inputs: projected, recurrent kernel, the cell's own (a recurrent bias), then the recurrent dropout mask [batch, units] when given.
    private protected RecurrentSequenceNode(string cell, int gates, Node projected, Node recurrentKernel, Node[] own, Node? stateMask,
        ActivationFunction activation, ActivationFunction recurrentActivation, bool backwards)
        : base(projected.Graph, [projected.Shape[0], projected.Shape[1], recurrentKernel.Shape[0]],
            [projected, recurrentKernel, .. own, .. stateMask is null ? Array.Empty<Node>() : [stateMask]])
    {
        (Batch, Steps, Units, Width) = (projected.Shape[0], projected.Shape[1], recurrentKernel.Shape[0], recurrentKernel.Shape[1]);
        if (projected.Shape.Length != 3 || Width != gates * Units || projected.Shape[2] != Width)
            throw new StrataException($"A fused {cell} sequence needs projections [batch, steps, {gates}·units] and a recurrent kernel [units, {gates}·units]; got {ShapeOps.Format(projected.Shape)} and {ShapeOps.Format(recurrentKernel.Shape)}.");
        if (!Supports(activation) || !Supports(recurrentActivation))
            throw new ArgumentException($"The fused {cell} needs element-wise activations, not softmax.", nameof(activation));
        (Activation, RecurrentActivation, _backwards) = (activation, recurrentActivation, backwards);
        _maskIndex = stateMask is null ? -1 : 2 + own.Length;
        _previous = new float[StepSlots(1) * Batch * Units];
    }

    /// <summary>
    /// How many steps' worth of a buffer to keep: every step's when backward will read them, otherwise
    /// only the last <paramref name="needed"/> steps' (a prediction graph keeps no history).
    /// </summary>
    protected int StepSlots(int needed) => RequiresGradient ? Steps : needed;

    /// <summary>Whether an activation works element by element, as the fused gate updates need (softmax does not).</summary>
    public static bool Supports(ActivationFunction f) => f is not (ActivationFunction.Softmax or ActivationFunction.LogSoftmax);

    protected int Batch { get; }

    protected int Steps { get; }

    protected int Units { get; }

    /// <summary>gates·units: the row length of the projections and of the recurrent product.</summary>
    protected int Width { get; }

    protected ActivationFunction Activation { get; }

    protected ActivationFunction RecurrentActivation { get; }

    /// <summary>
    /// The [batch, width] buffer of step <paramref name="step"/> into which previous·recurrent_kernel is
    /// added, after the cell has filled it with what comes before (the projections, or a recurrent bias).
    /// </summary>
    protected abstract Span<float> RecurrentInput(int step, int time);

    /// <summary>The gate update of step <paramref name="step"/>, writing its outputs into <paramref name="y"/>.</summary>
    protected abstract void UpdateForward(int step, int time, float[] y);

    /// <summary>
    /// Backward through step <paramref name="step"/>'s gate update, given the gradient reaching its output
    /// from later steps (<paramref name="dLater"/>, [batch, units]): returns the gradient of the step's
    /// recurrent product [batch, width], and adds the projections' and the cell's own inputs' gradients.
    /// </summary>
    protected abstract float[] UpdateBackward(int step, int time, float[] dLater);

    /// <summary>Adds any gradient the previous output receives other than through the recurrent product (GRU's z·h_prev).</summary>
    protected virtual void AddDirectGradient(float[] dPrevious) { }

    internal sealed override void Forward()
    {
        var kernel = Inputs[1].Value.Data;
        var mask = _maskIndex < 0 ? null : Inputs[_maskIndex].Value.Data;
        var y = Value.Data;
        int states = Batch * Units;
        for (int s = 0; s < Steps; s++)
        {
            int t = _backwards ? Steps - 1 - s : s;
            var inner = RecurrentInput(s, t);
            if (s > 0)
            {
                var previous = _previous.AsSpan(s % StepSlots(1) * states, states);
                for (int b = 0; b < Batch; b++)
                {
                    var h = y.AsSpan((b * Steps + s - 1) * Units, Units);
                    if (mask is null) h.CopyTo(previous.Slice(b * Units, Units));
                    else RowKernels.Multiply(h, mask.AsSpan(b * Units, Units), previous.Slice(b * Units, Units));
                }
                Gemm.Multiply(previous, Units, false, kernel, Width, false, inner, Width, Batch, Width, Units, true);
            }
            UpdateForward(s, t, y);
        }
    }

    internal sealed override void Backward()
    {
        var recurrentKernel = Inputs[1];
        var mask = _maskIndex < 0 ? null : Inputs[_maskIndex].Value.Data;
        int states = Batch * Units;
        var dPrevious = _dPrevious ??= new float[states];
        Array.Clear(dPrevious);
        for (int s = Steps - 1; s >= 0; s--)
        {
            var dInner = UpdateBackward(s, _backwards ? Steps - 1 - s : s, dPrevious);
            if (s == 0) break;
            if (Flows(recurrentKernel))
                Gemm.Multiply(_previous.AsSpan(s * states, states), Units, true, dInner, Width, false, recurrentKernel.Gradient!.Data, Width, Units, Width, Batch, true);
            Gemm.Multiply(dInner, Width, false, recurrentKernel.Value.Data, Width, true, dPrevious, Units, Batch, Units, Width, false);
            if (mask is not null) RowKernels.Multiply(dPrevious, mask, dPrevious);
            AddDirectGradient(dPrevious);
        }
    }

    /// <summary>The gradient buffer of the projections' row for (<paramref name="row"/>, <paramref name="time"/>), when they take one.</summary>
    protected Span<float> ProjectedGradient(int row, int time) =>
        Flows(Inputs[0]) ? Inputs[0].Gradient!.Data.AsSpan((row * Steps + time) * Width, Width) : [];

    /// <summary>The projections' row for (<paramref name="row"/>, <paramref name="time"/>).</summary>
    protected ReadOnlySpan<float> Projected(int row, int time) => Inputs[0].Value.Data.AsSpan((row * Steps + time) * Width, Width);
}
