using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// A whole LSTM sequence in one node, from the inputs' projections (x·kernel + bias for every step,
/// [batch, timesteps, 4·units], gates i, f, c, o): per step one matrix product with the recurrent kernel
/// and a fused gate update, zero initial states. The output is every step's h, [batch, timesteps, units],
/// in processing order (reversed inputs with go_backwards). Forward keeps what backward needs: each
/// step's gate pre-activations and activations, carry, activated carry and (masked) previous output.
/// </summary>
internal sealed class LstmSequenceNode : Node
{
    private readonly ActivationFunction _activation, _gate;
    private readonly bool _backwards;
    private readonly int _batch, _steps, _units, _width;
    private readonly float[] _z, _a, _carry, _activatedCarry, _previous;
    private float[]? _dz, _da, _dh, _dc, _scratch;

    // Inputs: projected [batch, steps, 4·units], recurrent kernel [units, 4·units], then optionally the recurrent dropout mask [batch, units].
    public LstmSequenceNode(Node projected, Node recurrentKernel, Node? stateMask, ActivationFunction activation, ActivationFunction gate, bool backwards)
        : base(projected.Graph, [projected.Shape[0], projected.Shape[1], recurrentKernel.Shape[0]],
            stateMask is null ? [projected, recurrentKernel] : [projected, recurrentKernel, stateMask])
    {
        (_batch, _steps, _units, _width) = (projected.Shape[0], projected.Shape[1], recurrentKernel.Shape[0], recurrentKernel.Shape[1]);
        if (_width != 4 * _units || projected.Shape[2] != _width)
            throw new StrataException($"An LSTM sequence needs projections [batch, steps, 4·units] and a recurrent kernel [units, 4·units]; got {ShapeOps.Format(projected.Shape)} and {ShapeOps.Format(recurrentKernel.Shape)}.");
        (_activation, _gate, _backwards) = (activation, gate, backwards);
        _z = new float[_steps * _batch * _width];
        _a = new float[_z.Length];
        _carry = new float[_steps * _batch * _units];
        _activatedCarry = new float[_carry.Length];
        _previous = new float[_carry.Length];
    }

    /// <summary>Whether an activation works element by element, as the fused gate update needs (softmax does not).</summary>
    public static bool Supports(ActivationFunction f) => f is not (ActivationFunction.Softmax or ActivationFunction.LogSoftmax);

    private ActivationFunction GateActivation(int gate) => gate == 2 ? _activation : _gate;

    internal override void Forward()
    {
        var projected = Inputs[0].Value.Data;
        var kernel = Inputs[1].Value.Data;
        var mask = Inputs.Count > 2 ? Inputs[2].Value.Data : null;
        var y = Value.Data;
        int rows = _batch * _width, states = _batch * _units;
        for (int s = 0; s < _steps; s++)
        {
            int t = _backwards ? _steps - 1 - s : s;
            var z = _z.AsSpan(s * rows, rows);
            var a = _a.AsSpan(s * rows, rows);
            var previous = _previous.AsSpan(s * states, states);
            for (int b = 0; b < _batch; b++)
            {
                projected.AsSpan((b * _steps + t) * _width, _width).CopyTo(z.Slice(b * _width, _width));
                if (s == 0) continue;
                var h = y.AsSpan((b * _steps + s - 1) * _units, _units);
                var p = previous.Slice(b * _units, _units);
                if (mask is null) h.CopyTo(p);
                else RowKernels.Multiply(h, mask.AsSpan(b * _units, _units), p);
            }
            if (s > 0) Gemm.Multiply(previous, _units, false, kernel, _width, false, z, _width, _batch, _width, _units, true);
            for (int b = 0; b < _batch; b++)
                for (int g = 0; g < 4; g++)
                {
                    int at = b * _width + g * _units;
                    ActivationKernels.Forward(GateActivation(g), z.Slice(at, _units), a.Slice(at, _units), _units);
                }
            var carry = _carry.AsSpan(s * states, states);
            for (int b = 0; b < _batch; b++)
            {
                var gates = a.Slice(b * _width, _width);
                var c = carry.Slice(b * _units, _units);
                for (int j = 0; j < _units; j++)
                {
                    // c = f·c_prev + i·candidate, from step s − 1's carry (0 at the first step).
                    float previousCarry = s == 0 ? 0f : _carry[(s - 1) * states + b * _units + j];
                    c[j] = gates[_units + j] * previousCarry + gates[j] * gates[2 * _units + j];
                }
                var activated = _activatedCarry.AsSpan(s * states + b * _units, _units);
                ActivationKernels.Forward(_activation, c, activated, _units);
                RowKernels.Multiply(gates.Slice(3 * _units, _units), activated, y.AsSpan((b * _steps + s) * _units, _units));
            }
        }
    }

    internal override void Backward()
    {
        Node projected = Inputs[0], recurrentKernel = Inputs[1];
        var kernel = recurrentKernel.Value.Data;
        var mask = Inputs.Count > 2 ? Inputs[2].Value.Data : null;
        var dy = Gradient!.Data;
        int rows = _batch * _width, states = _batch * _units;
        var dz = _dz ??= new float[rows];
        var da = _da ??= new float[rows];
        var dh = _dh ??= new float[states];
        var dc = _dc ??= new float[states];
        var scratch = _scratch ??= new float[states];
        Array.Clear(dh);
        Array.Clear(dc);
        for (int s = _steps - 1; s >= 0; s--)
        {
            int t = _backwards ? _steps - 1 - s : s;
            var a = _a.AsSpan(s * rows, rows);
            for (int b = 0; b < _batch; b++)
            {
                int row = b * _units;
                var gates = a.Slice(b * _width, _width);
                var activated = _activatedCarry.AsSpan(s * states + row, _units);
                var carry = _carry.AsSpan(s * states + row, _units);
                var dGates = da.AsSpan(b * _width, _width);
                var dActivated = scratch.AsSpan(row, _units);
                for (int j = 0; j < _units; j++)
                {
                    float dhj = dy[(b * _steps + s) * _units + j] + dh[row + j];
                    dGates[3 * _units + j] = dhj * activated[j];
                    dActivated[j] = dhj * gates[3 * _units + j];
                }
                // dc = dh·o·act'(c) + the carry's gradient from step s + 1.
                ActivationKernels.Backward(_activation, carry, activated, dActivated, dActivated, _units);
                for (int j = 0; j < _units; j++)
                {
                    float dcj = dActivated[j] + dc[row + j];
                    float previousCarry = s == 0 ? 0f : _carry[(s - 1) * states + row + j];
                    dGates[j] = dcj * gates[2 * _units + j];
                    dGates[_units + j] = dcj * previousCarry;
                    dGates[2 * _units + j] = dcj * gates[j];
                    dc[row + j] = dcj * gates[_units + j];
                }
                var z = _z.AsSpan(s * rows + b * _width, _width);
                for (int g = 0; g < 4; g++)
                    ActivationKernels.Backward(GateActivation(g), z.Slice(g * _units, _units), gates.Slice(g * _units, _units),
                        dGates.Slice(g * _units, _units), dz.AsSpan(b * _width + g * _units, _units), _units);
                if (Flows(projected))
                {
                    var d = projected.Gradient!.Data.AsSpan((b * _steps + t) * _width, _width);
                    RowKernels.Add(d, dz.AsSpan(b * _width, _width), d);
                }
            }
            if (s == 0) break;
            if (Flows(recurrentKernel))
                Gemm.Multiply(_previous.AsSpan(s * states, states), _units, true, dz, _width, false, recurrentKernel.Gradient!.Data, _width, _units, _width, _batch, true);
            // The previous output's gradient through the recurrent kernel (and the mask it was multiplied by).
            Gemm.Multiply(dz, _width, false, kernel, _width, true, dh, _units, _batch, _units, _width, false);
            if (mask is not null) RowKernels.Multiply(dh, mask, dh);
        }
    }
}
