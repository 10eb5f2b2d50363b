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
    private float[]? _dz, _da, _dc, _scratch;

    public LstmSequenceNode(Node projected, Node recurrentKernel, Node? stateMask, ActivationFunction activation, ActivationFunction recurrentActivation, bool backwards)
        : base("LSTM", 4, projected, recurrentKernel, [], stateMask, activation, recurrentActivation, backwards)
    {
        _z = new float[Steps * Batch * Width];
        _a = new float[_z.Length];
        _carry = new float[Steps * Batch * Units];
        _activatedCarry = new float[_carry.Length];
    }

    private ActivationFunction GateActivation(int gate) => gate == 2 ? Activation : RecurrentActivation;

    private float PreviousCarry(int step, int row, int unit) => step == 0 ? 0f : _carry[((step - 1) * Batch + row) * Units + unit];

    protected override Span<float> RecurrentInput(int step, int time)
    {
        var z = _z.AsSpan(step * Batch * Width, Batch * Width);
        for (int b = 0; b < Batch; b++) Projected(b, time).CopyTo(z.Slice(b * Width, Width));
        return z;
    }

    protected override void UpdateForward(int step, int time, float[] y)
    {
        for (int b = 0; b < Batch; b++)
        {
            int at = (step * Batch + b) * Width, state = (step * Batch + b) * Units;
            var gates = _a.AsSpan(at, Width);
            for (int g = 0; g < 4; g++)
                ActivationKernels.Forward(GateActivation(g), _z.AsSpan(at + g * Units, Units), gates.Slice(g * Units, Units), Units);
            var c = _carry.AsSpan(state, Units);
            for (int j = 0; j < Units; j++)
                c[j] = gates[Units + j] * PreviousCarry(step, b, j) + gates[j] * gates[2 * Units + j];
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
            for (int j = 0; j < Units; j++)
            {
                float dh = dy[(b * Steps + step) * Units + j] + dLater[row + j];
                dGates[3 * Units + j] = dh * activated[j];
                scratch[j] = dh * gates[3 * Units + j];
            }
            // dc = dh·o·act'(c) + the carry's gradient from step s + 1.
            ActivationKernels.Backward(Activation, _carry.AsSpan(state, Units), activated, scratch, scratch, Units);
            for (int j = 0; j < Units; j++)
            {
                float dcj = scratch[j] + dc[row + j];
                dGates[j] = dcj * gates[2 * Units + j];
                dGates[Units + j] = dcj * PreviousCarry(step, b, j);
                dGates[2 * Units + j] = dcj * gates[j];
                dc[row + j] = dcj * gates[Units + j];
            }
            for (int g = 0; g < 4; g++)
                ActivationKernels.Backward(GateActivation(g), _z.AsSpan(at + g * Units, Units), gates.Slice(g * Units, Units),
                    dGates.Slice(g * Units, Units), dz.AsSpan(b * Width + g * Units, Units), Units);
            var dProjected = ProjectedGradient(b, time);
            if (!dProjected.IsEmpty) RowKernels.Add(dProjected, dz.AsSpan(b * Width, Width), dProjected);
        }
        return dz;
    }
}
