using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// A whole GRU sequence (reset_after form) in one node (gates z, r, h): per step inner = previous·
/// recurrent_kernel + recurrent bias, then the fused update h = z·h_prev + (1 − z)·act(x_h + r·inner_h).
/// Forward keeps each step's pre-activations, activations and recurrent product for backward.
/// </summary>
internal sealed class GruSequenceNode : RecurrentSequenceNode
{
    private readonly float[] _z, _a, _inner;
    // Steps kept: all of them for backward, else the current one.
    private readonly int _slots;
    private readonly float[] _zeros, _ones;
    private float[]? _dz, _dInner, _direct;

    public GruSequenceNode(Node projected, Node recurrentKernel, Node? recurrentBias, Node? stateMask,
        ActivationFunction activation, ActivationFunction recurrentActivation, bool backwards)
        : base("GRU", 3, projected, recurrentKernel, recurrentBias is null ? [] : [recurrentBias], stateMask, activation, recurrentActivation, backwards)
    {
        if (recurrentBias is not null && recurrentBias.Value.Size != Width)
            throw new StrataException($"A fused GRU's recurrent bias needs {Width} values; got shape {ShapeOps.Format(recurrentBias.Shape)}.");
        HasBias = recurrentBias is not null;
        _slots = StepSlots(1);
        _z = new float[_slots * Batch * Width];
        _a = new float[_z.Length];
        _inner = new float[_z.Length];
        _zeros = new float[Units];
        _ones = new float[Units];
        _ones.AsSpan().Fill(1f);
    }

    // The output of row b before step s: zeros before the first.
    private ReadOnlySpan<float> Previous(int row, int step) => step == 0 ? _zeros : Value.Data.AsSpan((row * Steps + step - 1) * Units, Units);

    private bool HasBias { get; }

    protected override Span<float> RecurrentInput(int step, int time)
    {
        var inner = _inner.AsSpan(step % _slots * Batch * Width, Batch * Width);
        for (int b = 0; b < Batch; b++)
        {
            if (HasBias) Inputs[2].Value.Data.CopyTo(inner.Slice(b * Width, Width));
            else inner.Slice(b * Width, Width).Clear();
        }
        return inner;
    }

    protected override void UpdateForward(int step, int time, float[] y)
    {
        int both = 2 * Units;
        for (int b = 0; b < Batch; b++)
        {
            int at = (step % _slots * Batch + b) * Width;
            var x = Projected(b, time);
            var i = _inner.AsSpan(at, Width);
            var z = _z.AsSpan(at, Width);
            var a = _a.AsSpan(at, Width);
            // z and r from x + inner; the candidate from x_h + r·inner_h.
            RowKernels.Add(x[..both], i[..both], z[..both]);
            ActivationKernels.Forward(RecurrentActivation, z[..both], a[..both], both);
            x[both..].CopyTo(z[both..]);
            RowKernels.MultiplyAdd(a.Slice(Units, Units), i[both..], z[both..]);
            ActivationKernels.Forward(Activation, z[both..], a[both..], Units);
            // h = act + z·(h_prev − act).
            var output = y.AsSpan((b * Steps + step) * Units, Units);
            RowKernels.Subtract(Previous(b, step), a[both..], output);
            RowKernels.Multiply(a[..Units], output, output);
            RowKernels.Add(a[both..], output, output);
        }
    }

    protected override float[] UpdateBackward(int step, int time, float[] dLater)
    {
        var dz = _dz ??= new float[Batch * Width];
        var dInner = _dInner ??= new float[Batch * Width];
        var direct = _direct ??= new float[Batch * Units];
        var dy = Gradient!.Data;
        int both = 2 * Units;
        for (int b = 0; b < Batch; b++)
        {
            int at = (step * Batch + b) * Width;
            var z = _z.AsSpan(at, Width);
            var a = _a.AsSpan(at, Width);
            var i = _inner.AsSpan(at, Width);
            var d = dz.AsSpan(b * Width, Width);
            var di = dInner.AsSpan(b * Width, Width);
            var dh = direct.AsSpan(b * Units, Units);
            RowKernels.Add(dy.AsSpan((b * Steps + step) * Units, Units), dLater.AsSpan(b * Units, Units), dh);
            RowKernels.Subtract(Previous(b, step), a[both..], d[..Units]);
            RowKernels.Multiply(dh, d[..Units], d[..Units]);
            RowKernels.Subtract(_ones, a[..Units], d[both..]);
            RowKernels.Multiply(dh, d[both..], d[both..]);
            RowKernels.Multiply(dh, a[..Units], dh);
            ActivationKernels.Backward(Activation, z[both..], a[both..], d[both..], d[both..], Units);
            RowKernels.Multiply(d[both..], i[both..], d.Slice(Units, Units));
            RowKernels.Multiply(d[both..], a.Slice(Units, Units), di[both..]);
            ActivationKernels.Backward(RecurrentActivation, z[..both], a[..both], d[..both], d[..both], both);
            d[..both].CopyTo(di);
            var dProjected = ProjectedGradient(b, time);
            if (!dProjected.IsEmpty) RowKernels.Add(dProjected, d, dProjected);
        }
        if (HasBias && Flows(Inputs[2])) RowKernels.ColumnSums(dInner, Batch, Width, Inputs[2].Gradient!.Data, accumulate: true);
        return dInner;
    }

    protected override void AddDirectGradient(float[] dPrevious) => RowKernels.Add(dPrevious, _direct!, dPrevious);
}
