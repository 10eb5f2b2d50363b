using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// A whole LSTM sequence in one node (gates i, f, c, o): per step the recurrent product, then the fused
/// update c = f·c_prev + i·act(z_c), h = o·act(c). Forward keeps what backward needs: each step's gate
/// pre-activations and activations, carry and activated carry.
/// </summary>
internal sealed class LstmSequenceNode : RecurrentSequenceNode
{
    private readonly float[] _z, _a, _carry, _activatedCarry;
    // Steps kept: all of them for backward, else the current one (and the previous carry).
    private readonly int _slots, _carrySlots;
    private float[]? _dz, _da, _dc, _scratch;

    public LstmSequenceNode(Node projected, Node recurrentKernel, Node? stateMask, ActivationFunction activation, ActivationFunction recurrentActivation, bool backwards)
        : base("LSTM", 4, projected, recurrentKernel, [], stateMask, activation, recurrentActivation, backwards)
    {
        (_slots, _carrySlots) = (StepSlots(1), StepSlots(2));
        _z = new float[_slots * Batch * Width];
        _a = new float[_z.Length];
        _carry = new float[_carrySlots * Batch * Units];
        _activatedCarry = new float[_slots * Batch * Units];
    }

    private ActivationFunction GateActivation(int gate) => gate == 2 ? Activation : RecurrentActivation;

    // The carry of row b after step − 1; step > 0.
    private Span<float> PreviousCarry(int step, int row) => _carry.AsSpan(((step - 1) % _carrySlots * Batch + row) * Units, Units);

    protected override Span<float> RecurrentInput(int step, int time)
    {
        var z = _z.AsSpan(step % _slots * Batch * Width, Batch * Width);
        for (int b = 0; b < Batch; b++) Projected(b, time).CopyTo(z.Slice(b * Width, Width));
        return z;
    }

    protected override void UpdateForward(int step, int time, float[] y)
    {
        for (int b = 0; b < Batch; b++)
        {
            int at = (step % _slots * Batch + b) * Width, state = (step % _slots * Batch + b) * Units;
            var gates = _a.AsSpan(at, Width);
            for (int g = 0; g < 4; g++)
                ActivationKernels.Forward(GateActivation(g), _z.AsSpan(at + g * Units, Units), gates.Slice(g * Units, Units), Units);
            var c = _carry.AsSpan((step % _carrySlots * Batch + b) * Units, Units);
            // c = i·act(z_c) + f·c_prev: each product rounded, then the sum.
            RowKernels.Multiply(gates[..Units], gates.Slice(2 * Units, Units), c);
            if (step > 0) RowKernels.MultiplyAdd(gates.Slice(Units, Units), PreviousCarry(step, b), c);
            var activated = _activatedCarry.AsSpan(state, Units);
            ActivationKernels.Forward(Activation, c, activated, Units);
            RowKernels.Multiply(gates.Slice(3 * Units, Units), activated, y.AsSpan((b * Steps + step) * Units, Units));
        }
    }

    protected override float[] UpdateBackward(int step, int time, float[] dLater)
    {
        var dz = _dz ??= new float[Batch * Width];
        var da = _da ??= new float[Batch * Width];
        var dc = _dc ??= new float[Batch * Units];
        var scratch = _scratch ??= new float[Units];
        if (step == Steps - 1) Array.Clear(dc);
        var dy = Gradient!.Data;
        for (int b = 0; b < Batch; b++)
        {
            int at = (step * Batch + b) * Width, state = (step * Batch + b) * Units, row = b * Units;
            var gates = _a.AsSpan(at, Width);
            var activated = _activatedCarry.AsSpan(state, Units);
            var dGates = da.AsSpan(b * Width, Width);
            var dh = dGates.Slice(3 * Units, Units);
            RowKernels.Add(dy.AsSpan((b * Steps + step) * Units, Units), dLater.AsSpan(row, Units), dh);
            RowKernels.Multiply(dh, gates.Slice(3 * Units, Units), scratch);
            RowKernels.Multiply(dh, activated, dh);
            // dc = dh·o·act'(c) + the carry's gradient from step s + 1.
            ActivationKernels.Backward(Activation, _carry.AsSpan(state, Units), activated, scratch, scratch, Units);
            var dCarry = dc.AsSpan(row, Units);
            RowKernels.Add(scratch, dCarry, scratch);
            RowKernels.Multiply(scratch, gates.Slice(2 * Units, Units), dGates[..Units]);
            if (step > 0) RowKernels.Multiply(scratch, PreviousCarry(step, b), dGates.Slice(Units, Units));
            else dGates.Slice(Units, Units).Clear();
            RowKernels.Multiply(scratch, gates[..Units], dGates.Slice(2 * Units, Units));
            RowKernels.Multiply(scratch, gates.Slice(Units, Units), dCarry);
            for (int g = 0; g < 4; g++)
                ActivationKernels.Backward(GateActivation(g), _z.AsSpan(at + g * Units, Units), gates.Slice(g * Units, Units),
                    dGates.Slice(g * Units, Units), dz.AsSpan(b * Width + g * Units, Units), Units);
            var dProjected = ProjectedGradient(b, time);
            if (!dProjected.IsEmpty) RowKernels.Add(dProjected, dz.AsSpan(b * Width, Width), dProjected);
        }
        return dz;
    }
}
