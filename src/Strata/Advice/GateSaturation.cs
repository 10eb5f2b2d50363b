using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Recurrent;
using Strata.Tensors;

namespace Strata.Advice;

/// <summary>
/// One gate of a recurrent layer over the measured rows: the share of its activations that are
/// saturated (NaN for an activation without bounds) and their mean. A saturated gate passes almost no
/// gradient (σ′ = σ(1 − σ) &lt; 0.05 there), so it is stuck open or shut.
/// </summary>
public sealed record GateDiagnosis(string Gate, string Activation, double Saturated, double Mean);

/// <summary>
/// The gates of one recurrent layer at inference: LSTM's i, f, c (the candidate, tanh(z_c)) and o; GRU's z, r and
/// h (the candidate); a SimpleRNN, which has no gates, reports its output h. A Bidirectional layer gives one
/// diagnosis per direction, named after its forward_ and backward_ layers, with the wrapper's index.
/// </summary>
public sealed record RecurrentDiagnosis(LayerRef Layer, int Units, IReadOnlyList<GateDiagnosis> Gates);

/// <summary>
/// Runs a recurrent layer's recurrence from its weights (kernel, recurrent_kernel, bias) in inference mode, as
/// LSTM.cs, GRU.cs and SimpleRNN.cs compute it, and counts how often each gate is saturated: a sigmoid gate
/// below 0.05 or above 0.95, a tanh one beyond ±0.95. Padded steps (mask 0) carry the states over and are
/// not counted.
/// </summary>
public static class GateSaturation
{
    /// <summary>A [0, 1] gate (sigmoid, hard_sigmoid) within this of 0 or 1 is saturated.</summary>
    public const double SigmoidMargin = 0.05;

    /// <summary>A [−1, 1] activation (tanh, softsign) beyond ± this is saturated.</summary>
    public const double TanhLimit = 0.95;

    /// <summary>Rows per graph: the graph keeps every step's gates, so its memory grows with rows × steps × units.</summary>
    private const int Chunk = 32;

    /// <summary>
    /// The recurrent layers that <paramref name="layer"/> runs: itself for SimpleRNN, LSTM and GRU, the forward and
    /// backward layers of a Bidirectional, none otherwise.
    /// </summary>
    public static IReadOnlyList<Layer> Cells(Layer layer) => layer switch
    {
        SimpleRNN or LSTM or GRU => [layer],
        Bidirectional b => [b.ForwardLayer, b.BackwardLayer],
        _ => [],
    };

    /// <summary>
    /// The saturation of <paramref name="cell"/>'s gates (a built SimpleRNN, LSTM or GRU) on its input
    /// <paramref name="x"/> [batch, timesteps, features], with an optional <paramref name="mask"/> [batch, timesteps]
    /// (1 present, 0 padding); <paramref name="index"/> is the layer's position for the report.
    /// </summary>
    public static RecurrentDiagnosis Measure(Layer cell, Tensor x, Tensor? mask = null, int index = 0)
    {
        var counter = new Counter(cell);
        counter.Add(x, mask);
        return counter.Summarize(index);
    }

    /// <summary>Accumulates one recurrent layer's gate counts over batches.</summary>
    internal sealed class Counter
    {
        private readonly Layer _cell;
        private readonly RecurrentConfig _config;
        private readonly (string Name, ActivationFunction Function)[] _gates;
        private readonly long[] _saturated;
        private readonly double[] _sums;
        private readonly Dictionary<(int Rows, int Steps, bool Masked), Recurrence> _graphs = [];
        private long _count;

        public Counter(Layer cell)
        {
            _cell = cell;
            _config = LayerRoles.RecurrentConfigOf(cell) ?? throw new StrataException($"Layer '{cell.Name}' ({cell.ClassName}) is not a recurrent layer; it has no gates to measure.");
            if (cell is Bidirectional) throw new StrataException($"Measure the forward and backward layers of Bidirectional layer '{cell.Name}' one by one (GateSaturation.Cells).");
            var (gate, activation) = (_config is GatedRecurrentConfig g ? g.RecurrentActivation : ActivationFunction.Sigmoid, _config.Activation);
            _gates = cell switch
            {
                LSTM => [("i", gate), ("f", gate), ("c", activation), ("o", gate)],
                GRU => [("z", gate), ("r", gate), ("h", activation)],
                _ => [("h", activation)],
            };
            _saturated = new long[_gates.Length];
            _sums = new double[_gates.Length];
        }

        /// <summary>Runs the recurrence on <paramref name="x"/> [batch, timesteps, features] and counts its gates at the present steps.</summary>
        public void Add(Tensor x, Tensor? mask)
        {
            if (x.Rank != 3) throw new StrataException($"{_cell.ClassName} layer '{_cell.Name}' needs inputs [batch, timesteps, features]; got {ShapeOps.Format(x.ShapeArray())}.");
            if (WeightsOf(_cell).Kernel is null)
                throw new StrataException($"{_cell.ClassName} layer '{_cell.Name}' is not built; build the model before measuring its gates.");
            int batch = x.Dim(0), steps = x.Dim(1), rowWidth = x.Size / Math.Max(batch, 1);
            for (int start = 0; start < batch; start += Chunk)
            {
                int rows = Math.Min(Chunk, batch - start);
                if (!_graphs.TryGetValue((rows, steps, mask is not null), out var g))
                    _graphs[(rows, steps, mask is not null)] = g = new Recurrence(_cell, _config, rows, x.ShapeArray(), mask is not null);
                x.Data.AsSpan(start * rowWidth, rows * rowWidth).CopyTo(g.Input.Value.Data);
                if (mask is not null) mask.Data.AsSpan(start * steps, rows * steps).CopyTo(g.Mask!.Value.Data);
                g.Graph.Forward();
                Count(g, rows, steps, mask, start);
            }
        }

        private void Count(Recurrence g, int rows, int steps, Tensor? mask, int start)
        {
            int units = _config.Units;
            for (int s = 0; s < steps; s++)
            {
                int t = _config.GoBackwards ? steps - 1 - s : s;
                for (int k = 0; k < _gates.Length; k++)
                {
                    var values = g.Gates[s][k].Value.Data;
                    var function = _gates[k].Function;
                    for (int r = 0; r < rows; r++)
                    {
                        if (mask is not null && mask.Data[(start + r) * steps + t] == 0) continue;
                        for (int u = 0; u < units; u++)
                        {
                            float y = values[r * units + u];
                            _sums[k] += y;
                            if (IsSaturated(function, y)) _saturated[k]++;
                        }
                    }
                }
                for (int r = 0; r < rows; r++)
                    if (mask is null || mask.Data[(start + r) * steps + t] != 0) _count += units;
            }
        }

        /// <summary>The shares and means so far; NaN where nothing was counted or the activation has no bounds.</summary>
        public RecurrentDiagnosis Summarize(int index) =>
            new(new LayerRef(index, _cell.Name, _cell.ClassName), _config.Units,
                _gates.Select((gate, k) => new GateDiagnosis(gate.Name, LayerRoles.Describe(gate.Function),
                    _count == 0 || !Bounded(gate.Function) ? double.NaN : (double)_saturated[k] / _count,
                    _count == 0 ? double.NaN : _sums[k] / _count)).ToList());
    }

    private static (Variable? Kernel, Variable? RecurrentKernel, Variable? Bias) WeightsOf(Layer cell) => cell switch
    {
        SimpleRNN s => (s.Kernel, s.RecurrentKernel, s.Bias),
        LSTM l => (l.Kernel, l.RecurrentKernel, l.Bias),
        GRU g => (g.Kernel, g.RecurrentKernel, g.Bias),
        _ => (null, null, null),
    };

    private static bool Bounded(ActivationFunction f) =>
        f is ActivationFunction.Sigmoid or ActivationFunction.HardSigmoid or ActivationFunction.Tanh or ActivationFunction.Softsign;

    private static bool IsSaturated(ActivationFunction f, float y) => f switch
    {
        ActivationFunction.Sigmoid or ActivationFunction.HardSigmoid => y < SigmoidMargin || y > 1 - SigmoidMargin,
        ActivationFunction.Tanh or ActivationFunction.Softsign => Math.Abs(y) > TanhLimit,
        _ => false,
    };

    /// <summary>The recurrence of one layer for a fixed number of rows, with a node for every gate of every step (processing order).</summary>
    private sealed class Recurrence
    {
        public Graph Graph { get; } = new() { CollectsLosses = false };
        public InputNode Input { get; }
        public InputNode? Mask { get; }
        public List<Node[]> Gates { get; } = [];

        public Recurrence(Layer cell, RecurrentConfig config, int rows, int[] shape, bool masked)
        {
            var weights = WeightsOf(cell);
            int steps = shape[1], features = shape[2], units = config.Units;
            Input = Graph.Input([rows, steps, features]);
            Mask = masked ? Graph.Input([rows, steps]) : null;
            var kernel = Constant(weights.Kernel!.Value);
            var recurrentKernel = Constant(weights.RecurrentKernel!.Value);
            var bias = weights.Bias is null ? null : Constant(weights.Bias.Value);
            bool resetAfter = cell is GRU { Config.ResetAfter: true };
            int width = kernel.Shape[1];
            Node? inputBias = bias is null ? null : resetAfter ? Ops.Reshape(Ops.Slice(bias, 0, 0, 1), width) : bias;
            Node? recurrentBias = bias is not null && resetAfter ? Ops.Reshape(Ops.Slice(bias, 0, 1, 1), width) : null;
            var projected = Ops.Dense(Input, kernel, inputBias, ActivationFunction.Linear);
            Node Gate(Node z, int k) => Ops.Slice(z, 1, k * units, units);
            var gate = config is GatedRecurrentConfig g ? g.RecurrentActivation : ActivationFunction.Sigmoid;
            var activation = config.Activation;
            Node h = Graph.Input([rows, units]), c = h;
            for (int s = 0; s < steps; s++)
            {
                int t = config.GoBackwards ? steps - 1 - s : s;
                var p = Ops.Reshape(Ops.Slice(projected, 1, t, 1), rows, width);
                Node[] gates;
                Node hNext, cNext = c;
                switch (cell)
                {
                    case LSTM:
                    {
                        // LSTM.cs: i, f, c̃, o from z = p + h·U; c = f·c + i·c̃; h = o·tanh(c).
                        var z = Ops.Add(p, Ops.MatMul(h, recurrentKernel));
                        var (i, f, candidate, o) = (Ops.Activation(Gate(z, 0), gate), Ops.Activation(Gate(z, 1), gate), Ops.Activation(Gate(z, 2), activation), Ops.Activation(Gate(z, 3), gate));
                        cNext = Ops.Add(Ops.Multiply(f, c), Ops.Multiply(i, candidate));
                        hNext = Ops.Multiply(o, Ops.Activation(cNext, activation));
                        gates = [i, f, candidate, o];
                        break;
                    }
                    case GRU when resetAfter:
                    {
                        // GRU.cs, reset_after: ĥ = act(p_h + r·(h·U_h + b_h)).
                        var inner = Ops.MatMul(h, recurrentKernel);
                        if (recurrentBias is not null) inner = Ops.Add(inner, recurrentBias);
                        var z = Ops.Activation(Ops.Add(Gate(p, 0), Gate(inner, 0)), gate);
                        var r = Ops.Activation(Ops.Add(Gate(p, 1), Gate(inner, 1)), gate);
                        var candidate = Ops.Activation(Ops.Add(Gate(p, 2), Ops.Multiply(r, Gate(inner, 2))), activation);
                        hNext = Ops.Add(candidate, Ops.Multiply(z, Ops.Subtract(h, candidate)));
                        gates = [z, r, candidate];
                        break;
                    }
                    case GRU:
                    {
                        // GRU.cs, reset before: ĥ = act(p_h + (r·h)·U_h).
                        var inner = Ops.MatMul(h, Ops.Slice(recurrentKernel, 1, 0, 2 * units));
                        var z = Ops.Activation(Ops.Add(Gate(p, 0), Gate(inner, 0)), gate);
                        var r = Ops.Activation(Ops.Add(Gate(p, 1), Gate(inner, 1)), gate);
                        var candidate = Ops.Activation(Ops.Add(Gate(p, 2), Ops.MatMul(Ops.Multiply(r, h), Gate(recurrentKernel, 2))), activation);
                        hNext = Ops.Add(candidate, Ops.Multiply(z, Ops.Subtract(h, candidate)));
                        gates = [z, r, candidate];
                        break;
                    }
                    default:
                        hNext = Ops.Activation(Ops.Add(p, Ops.MatMul(h, recurrentKernel)), activation);
                        gates = [hNext];
                        break;
                }
                if (Mask is not null)
                {
                    // A padded step keeps every state: m·new + (1 − m)·old.
                    var present = Ops.Reshape(Ops.Slice(Mask, 1, t, 1), rows, 1);
                    var absent = Ops.AddScalar(Ops.Scale(present, -1f), 1f);
                    hNext = Ops.Add(Ops.Multiply(present, hNext), Ops.Multiply(absent, h));
                    if (cell is LSTM) cNext = Ops.Add(Ops.Multiply(present, cNext), Ops.Multiply(absent, c));
                }
                (h, c) = (hNext, cNext);
                Gates.Add(gates);
            }
        }

        private InputNode Constant(Tensor value)
        {
            var node = Graph.Input(value.ShapeArray());
            value.Data.AsSpan().CopyTo(node.Value.Data);
            return node;
        }
    }
}
