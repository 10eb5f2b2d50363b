using Strata.Kernels;
using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// A whole GRU sequence (reset_after form) in one node, from the inputs' projections (x·kernel + input
/// bias for every step, [batch, timesteps, 3·units], gates z, r, h): per step one matrix product of the
/// (masked) previous output with the recurrent kernel plus the recurrent bias, then the fused update
/// h = z·h_prev + (1 − z)·act(x_h + r·inner_h). Zero initial state; the output is every step's h,
/// [batch, timesteps, units], in processing order. Forward keeps each step's pre-activations,
/// activations, recurrent products and masked previous output for backward.
/// </summary>
internal sealed class GruSequenceNode : Node
{
    private readonly ActivationFunction _activation, _gate;
    private readonly bool _backwards;
    private readonly int _batch, _steps, _units, _width, _maskIndex, _biasIndex;
    private readonly float[] _z, _a, _inner, _previous;
    private float[]? _dz, _dInner, _dh, _scratch;

    // Inputs: projected [batch, steps, 3·units], recurrent kernel [units, 3·units], then the optional recurrent bias [3·units] and mask [batch, units].
    public GruSequenceNode(Node projected, Node recurrentKernel, Node? recurrentBias, Node? stateMask,
        ActivationFunction activation, ActivationFunction gate, bool backwards)
        : base(projected.Graph, [projected.Shape[0], projected.Shape[1], recurrentKernel.Shape[0]],
            [projected, recurrentKernel, .. recurrentBias is null ? Array.Empty<Node>() : [recurrentBias], .. stateMask is null ? Array.Empty<Node>() : [stateMask]])
    {
        (_batch, _steps, _units, _width) = (projected.Shape[0], projected.Shape[1], recurrentKernel.Shape[0], recurrentKernel.Shape[1]);
        if (_width != 3 * _units || projected.Shape[2] != _width || recurrentBias is not null && recurrentBias.Value.Size != _width)
            throw new StrataException($"A GRU sequence needs projections [batch, steps, 3·units], a recurrent kernel [units, 3·units] and a bias [3·units]; got {ShapeOps.Format(projected.Shape)} and {ShapeOps.Format(recurrentKernel.Shape)}.");
        (_activation, _gate, _backwards) = (activation, gate, backwards);
        _biasIndex = recurrentBias is null ? -1 : 2;
        _maskIndex = stateMask is null ? -1 : recurrentBias is null ? 2 : 3;
        _z = new float[_steps * _batch * _width];
        _a = new float[_z.Length];
        _inner = new float[_z.Length];
        _previous = new float[_steps * _batch * _units];
    }

    internal override void Forward()
    {
        var projected = Inputs[0].Value.Data;
        var kernel = Inputs[1].Value.Data;
        var bias = _biasIndex < 0 ? null : Inputs[_biasIndex].Value.Data;
        var mask = _maskIndex < 0 ? null : Inputs[_maskIndex].Value.Data;
        var y = Value.Data;
        int rows = _batch * _width, states = _batch * _units;
        for (int s = 0; s < _steps; s++)
        {
            int t = _backwards ? _steps - 1 - s : s;
            var inner = _inner.AsSpan(s * rows, rows);
            var previous = _previous.AsSpan(s * states, states);
            for (int b = 0; b < _batch; b++)
            {
                if (bias is null) inner.Slice(b * _width, _width).Clear();
                else bias.CopyTo(inner.Slice(b * _width, _width));
                if (s == 0) continue;
                var h = y.AsSpan((b * _steps + s - 1) * _units, _units);
                var p = previous.Slice(b * _units, _units);
                if (mask is null) h.CopyTo(p);
                else RowKernels.Multiply(h, mask.AsSpan(b * _units, _units), p);
            }
            if (s > 0) Gemm.Multiply(previous, _units, false, kernel, _width, false, inner, _width, _batch, _width, _units, true);
            for (int b = 0; b < _batch; b++)
            {
                var x = projected.AsSpan((b * _steps + t) * _width, _width);
                var i = inner.Slice(b * _width, _width);
                var z = _z.AsSpan(s * rows + b * _width, _width);
                var a = _a.AsSpan(s * rows + b * _width, _width);
                // z and r from x + inner; the candidate from x_h + r·inner_h.
                RowKernels.Add(x[..(2 * _units)], i[..(2 * _units)], z[..(2 * _units)]);
                ActivationKernels.Forward(_gate, z[..(2 * _units)], a[..(2 * _units)], 2 * _units);
                for (int j = 0; j < _units; j++) z[2 * _units + j] = x[2 * _units + j] + a[_units + j] * i[2 * _units + j];
                ActivationKernels.Forward(_activation, z[(2 * _units)..], a[(2 * _units)..], _units);
                var output = y.AsSpan((b * _steps + s) * _units, _units);
                for (int j = 0; j < _units; j++)
                {
                    float hPrevious = s == 0 ? 0f : y[(b * _steps + s - 1) * _units + j], candidate = a[2 * _units + j];
                    output[j] = candidate + a[j] * (hPrevious - candidate);
                }
            }
        }
    }

    internal override void Backward()
    {
        Node projected = Inputs[0], recurrentKernel = Inputs[1];
        var kernel = recurrentKernel.Value.Data;
        var mask = _maskIndex < 0 ? null : Inputs[_maskIndex].Value.Data;
        var y = Value.Data;
        var dy = Gradient!.Data;
        int rows = _batch * _width, states = _batch * _units;
        var dz = _dz ??= new float[rows];
        var dInner = _dInner ??= new float[rows];
        var dh = _dh ??= new float[states];
        var direct = _scratch ??= new float[states];
        Array.Clear(dh);
        for (int s = _steps - 1; s >= 0; s--)
        {
            int t = _backwards ? _steps - 1 - s : s;
            for (int b = 0; b < _batch; b++)
            {
                var z = _z.AsSpan(s * rows + b * _width, _width);
                var a = _a.AsSpan(s * rows + b * _width, _width);
                var i = _inner.AsSpan(s * rows + b * _width, _width);
                var d = dz.AsSpan(b * _width, _width);
                for (int j = 0; j < _units; j++)
                {
                    float dhj = dy[(b * _steps + s) * _units + j] + dh[b * _units + j];
                    float hPrevious = s == 0 ? 0f : y[(b * _steps + s - 1) * _units + j];
                    d[j] = dhj * (hPrevious - a[2 * _units + j]);
                    d[2 * _units + j] = dhj * (1f - a[j]);
                    direct[b * _units + j] = dhj * a[j];
                }
                ActivationKernels.Backward(_activation, z[(2 * _units)..], a[(2 * _units)..], d[(2 * _units)..], d[(2 * _units)..], _units);
                var di = dInner.AsSpan(b * _width, _width);
                for (int j = 0; j < _units; j++)
                {
                    d[_units + j] = d[2 * _units + j] * i[2 * _units + j];
                    di[2 * _units + j] = d[2 * _units + j] * a[_units + j];
                }
                ActivationKernels.Backward(_gate, z[..(2 * _units)], a[..(2 * _units)], d[..(2 * _units)], d[..(2 * _units)], 2 * _units);
                d[..(2 * _units)].CopyTo(di);
                if (Flows(projected))
                {
                    var dx = projected.Gradient!.Data.AsSpan((b * _steps + t) * _width, _width);
                    RowKernels.Add(dx, d, dx);
                }
            }
            if (_biasIndex >= 0 && Flows(Inputs[_biasIndex]))
                RowKernels.ColumnSums(dInner, _batch, _width, Inputs[_biasIndex].Gradient!.Data, accumulate: true);
            if (s == 0) break;
            if (Flows(recurrentKernel))
                Gemm.Multiply(_previous.AsSpan(s * states, states), _units, true, dInner, _width, false, recurrentKernel.Gradient!.Data, _width, _units, _width, _batch, true);
            // The previous output's gradient: through the recurrent kernel (and its mask) and directly through z·h_prev.
            Gemm.Multiply(dInner, _width, false, kernel, _width, true, dh, _units, _batch, _units, _width, false);
            if (mask is not null) RowKernels.Multiply(dh, mask, dh);
            RowKernels.Add(dh, direct, dh);
        }
    }
}
