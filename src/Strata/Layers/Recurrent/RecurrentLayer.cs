using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Recurrent;

/// <summary>
/// What SimpleRNN, LSTM and GRU share: the weights (kernel [features, gates·units], recurrent kernel
/// [units, gates·units], bias), the loop over time steps from zero states, and Keras's variational
/// dropout. The inputs of every step are projected by one matrix product over the whole sequence; each
/// step then adds the state's product with the recurrent kernel and updates the state (the cell).
/// With a mask (Embedding's mask_zero) a padded step carries every state over unchanged and, with
/// return_sequences, repeats the previous output there (Keras 3's default zero_output_for_mask=False).
/// A call's masks are drawn from the layer's stream in this order: input dropout, recurrent dropout, then
/// the recurrent kernel's DropConnect mask (<see cref="WeightDropLSTM"/>), each only when its rate is above 0.
/// </summary>
/// <typeparam name="TConfig">The layer's config record.</typeparam>
public abstract class RecurrentLayer<TConfig> : Layer<TConfig>, IMaskConsumer where TConfig : RecurrentConfig
{
    private readonly RandomStream _random;

    /// <summary>Keeps the config and seeds the dropout stream from its seed (0 until the model reseeds it).</summary>
    protected RecurrentLayer(TConfig config) : base(config) =>
        _random = new RandomStream(config.Seed is int s ? (ulong)s : 0);

    /// <summary>The size of the state and of each step's output.</summary>
    public int Units => Config.Units;

    /// <summary>The kernel, [features, gates·units], once built.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>The recurrent kernel, [units, gates·units], once built.</summary>
    public Variable? RecurrentKernel { get; private set; }

    /// <summary>The bias, once built (null without use_bias); its shape is the layer's (<see cref="BiasShape"/>).</summary>
    public Variable? Bias { get; private set; }

    /// <summary>The dropout masks' stream, exposed so a run can be reproduced or resumed.</summary>
    public RandomStream RandomStream => _random;

    /// <inheritdoc/>
    public override IEnumerable<RandomStream> RandomStreams => [_random];

    /// <summary>How many blocks of <see cref="Units"/> columns the kernels have: 1 for SimpleRNN, 4 for LSTM, 3 for GRU.</summary>
    protected abstract int Gates { get; }

    /// <summary>How many [batch, units] states the cell carries (LSTM: the output and the carry).</summary>
    protected virtual int StateCount => 1;

    /// <summary>The bias's shape; [gates·units] unless the layer says otherwise.</summary>
    protected virtual int[] BiasShape => [Gates * Units];

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length != 3 || inputShape[2] <= 0)
            throw new StrataException($"{ClassName} layer '{Name}' needs inputs [batch, timesteps, features] with known features; got {ShapeOps.Format(inputShape)}.");
        return Config.ReturnSequences ? [inputShape[0], inputShape[1], Units] : [inputShape[0], Units];
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random)
    {
        var weights = Config.Weights;
        Kernel = AddWeight("kernel", [inputShape[^1], Gates * Units], weights.Kernel, random);
        RecurrentKernel = AddWeight("recurrent_kernel", [Units, Gates * Units], weights.RecurrentKernel, random);
        if (weights.UseBias) Bias = AddWeight("bias", BiasShape, BiasSettings(weights.Bias), random);
    }

    /// <summary>The bias's settings as used to create it; LSTM's unit_forget_bias replaces the initializer.</summary>
    protected virtual WeightSettings BiasSettings(WeightSettings bias) => bias;

    /// <inheritdoc/>
    public override void Reseed(RandomGenerator random)
    {
        _random.Seed = Config.Seed is int s ? (ulong)s : random.NextSeed();
        _random.Step = 0;
    }

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => Run(input, null, mode);

    /// <inheritdoc/>
    public Node Call(Node input, Node mask, CallMode mode)
    {
        if (mask.Shape.Length != 2 || mask.Shape[0] != input.Shape[0] || input.Shape.Length < 2 || mask.Shape[1] != input.Shape[1])
            throw new StrataException($"{ClassName} layer '{Name}' received a mask of shape {ShapeOps.Format(mask.Shape)} for input {ShapeOps.Format(input.Shape)}; it needs [batch, timesteps].");
        return Run(input, mask, mode);
    }

    /// <inheritdoc/>
    public Node? OutputMask(Node mask) => Config.ReturnSequences ? mask : null;

    private Node Run(Node input, Node? mask, CallMode mode)
    {
        if (input.Shape.Length != 3)
            throw new StrataException($"{ClassName} layer '{Name}' needs inputs [batch, timesteps, features]; got {ShapeOps.Format(input.Shape)}.");
        var graph = input.Graph;
        int batch = input.Shape[0], steps = input.Shape[1], features = input.Shape[2], width = Gates * Units;
        // Variational dropout: one mask per sequence and row, drawn once per call and reused at every step.
        bool noisy = mode.IsStochastic;
        var x = noisy && Config.Dropout > 0
            ? Ops.Multiply(input, Ops.Reshape(Mask(graph, [batch, features], Config.Dropout), batch, 1, features))
            : input;
        var stateMask = noisy && Config.RecurrentDropout > 0 ? Mask(graph, [batch, Units], Config.RecurrentDropout) : null;
        var kernel = Parameter(input, Kernel!);
        var recurrentKernel = Parameter(input, RecurrentKernel!);
        // DropConnect on the recurrent kernel (weight-dropped LSTM): one mask per call, shared by every row and step.
        if (noisy && RecurrentKernelDropout > 0)
            recurrentKernel = Ops.Multiply(recurrentKernel, Mask(graph, [Units, width], RecurrentKernelDropout, perRow: false));
        var bias = Bias is null ? null : Parameter(input, Bias);
        var projected = Ops.Dense(x, kernel, InputBias(bias), ActivationFunction.Linear);

        Node output;
        // The fused nodes know no padding, so a masked call records its steps one by one.
        if (mask is null && FusedSequence(projected, recurrentKernel, bias, stateMask) is { } sequence)
            output = Config.ReturnSequences ? sequence : Ops.Reshape(Ops.Slice(sequence, 1, steps - 1, 1), batch, Units);
        else
        {
            // Zero states: an input node that nothing sets stays zero.
            var zeros = graph.Input([batch, Units]);
            var states = Enumerable.Repeat<Node>(zeros, StateCount).ToArray();
            var step = Cell(recurrentKernel, bias, stateMask);
            var outputs = new List<Node>(steps);
            for (int s = 0; s < steps; s++)
            {
                int t = Config.GoBackwards ? steps - 1 - s : s;
                var projectedStep = Ops.Reshape(Ops.Slice(projected, 1, t, 1), batch, width);
                var next = step(projectedStep, states);
                if (mask is not null)
                {
                    // The step's own mask entry, so go_backwards reads the mask reversed with the inputs.
                    // m·new + (1 − m)·old is exactly new or old for a mask of 1 and 0.
                    var present = Ops.Reshape(Ops.Slice(mask, 1, t, 1), batch, 1);
                    var absent = Ops.AddScalar(Ops.Scale(present, -1f), 1f);
                    for (int i = 0; i < next.Length; i++)
                        next[i] = Ops.Add(Ops.Multiply(present, next[i]), Ops.Multiply(absent, states[i]));
                }
                states = next;
                outputs.Add(states[0]);
            }
            output = !Config.ReturnSequences ? outputs[^1]
                : Ops.Concatenate([.. outputs.Select(o => Ops.Reshape(o, batch, 1, Units))], 1);
        }
        AddActivityPenalty(Config.ActivityRegularizer, output);
        return output;
    }

    /// <summary>
    /// The whole sequence's outputs [batch, timesteps, units] (processing order) from one fused node, or
    /// null to record the steps one by one with <see cref="Cell"/>.
    /// </summary>
    protected virtual Node? FusedSequence(Node projected, Node recurrentKernel, Node? bias, Node? stateMask) => null;

    /// <summary>Whether the sequence may run as one fused node (the default) rather than a graph of steps; both compute the same.</summary>
    internal bool Fused { get; set; } = true;

    /// <summary>Whether the layer's activations work element by element, as the fused nodes need (softmax does not).</summary>
    private protected static bool ElementWise(ActivationFunction f) => f is not (ActivationFunction.Softmax or ActivationFunction.LogSoftmax);

    /// <summary>The part of the bias added to the inputs' projection; the whole bias unless the layer splits it.</summary>
    protected virtual Node? InputBias(Node? bias) => bias;

    /// <summary>
    /// The cell of one call: a function from a step's projected inputs (x·kernel + input bias,
    /// [batch, gates·units]) and the states (the output first) to the new states. It is made once per call,
    /// so what the cell derives from the weights (GRU's slices of the recurrent kernel and bias) is recorded
    /// once rather than at every step. <paramref name="stateMask"/>, when given, multiplies the output state
    /// before it meets the recurrent kernel.
    /// </summary>
    protected abstract Func<Node, Node[], Node[]> Cell(Node recurrentKernel, Node? bias, Node? stateMask);

    /// <summary>
    /// The fraction of recurrent kernel entries dropped in stochastic calls, one mask per call (DropConnect
    /// on the hidden-to-hidden weights, as <see cref="WeightDropLSTM"/> does); 0, none, unless the layer says otherwise.
    /// </summary>
    protected virtual double RecurrentKernelDropout => 0;

    /// <summary>Gate <paramref name="index"/>'s columns of a [batch, gates·units] node.</summary>
    protected Node Gate(Node z, int index) => Ops.Slice(z, 1, index * Units, Units);

    /// <summary>The state multiplied by the recurrent dropout mask, when there is one.</summary>
    protected static Node Masked(Node state, Node? mask) => mask is null ? state : Ops.Multiply(state, mask);

    private Node Mask(Graph graph, int[] shape, double rate, bool perRow = true) =>
        Ops.RandomBernoulli(graph, shape, (float)(1 - rate), (float)(1 / (1 - rate)), _random, perRow);
}
