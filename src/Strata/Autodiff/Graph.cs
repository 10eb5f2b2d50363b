using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// A recorded sequence of operations with fixed shapes. Layers build it once by calling ops on
/// symbolic nodes; it is then replayed for every batch of that shape: <see cref="Forward"/> runs the
/// operations in recording order, <see cref="Backward"/> runs their gradient rules in reverse.
/// </summary>
public sealed class Graph
{
    private readonly List<Node> _nodes = [];
    private readonly Dictionary<Variable, ParameterNode> _parameters = new(ReferenceEqualityComparer.Instance);
    private bool _gradientsAllocated;
    // The gradient buffers backward clears, each once (shared ones belong to the last consumer of a chain).
    private readonly List<Tensor> _ownGradients = [];

    private readonly List<Node> _losses = [];

    /// <summary>Every node in recording order, which is the order <see cref="Forward"/> runs them.</summary>
    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>
    /// Whether layers should add penalty terms (weight and activity regularization) with
    /// <see cref="AddLoss"/>; off for prediction graphs, which have no loss.
    /// </summary>
    public bool CollectsLosses { get; init; } = true;

    /// <summary>
    /// Whether the graph only ever runs forward (prediction and evaluation): its parameters then take no
    /// gradient, and nodes whose inputs take none keep only what the next step needs, not what backward would.
    /// </summary>
    public bool ForwardOnly { get; init; }

    /// <summary>
    /// Whether a node whose one consumer transforms the gradient in place (an element-wise activation,
    /// BatchNormalization, dropout) shares that consumer's gradient buffer: after <see cref="Backward"/>
    /// such a consumer's <see cref="Node.Gradient"/> holds its input's gradient, not its own. Training steps
    /// set it, since they read only the parameters' gradients; it saves a buffer and a pass per pair.
    /// </summary>
    public bool SharesGradients { get; init; }

    /// <summary>
    /// Whether sums over the batch's rows are taken in fixed point (<see cref="Kernels.FixedPointSums"/>), whose bits do not
    /// depend on how the rows are split among ranks: Dense's kernel and bias gradients and BatchNormalization's statistics
    /// and gradient sums (adjacent axes). A parameter read by one such node only gets a <see cref="FixedPointGradient"/>,
    /// which the fit loop adds up over the ranks and rounds into <see cref="Node.Gradient"/>.
    /// </summary>
    internal bool ReproducibleSums { get; init; }

    /// <summary>
    /// The terms a sum over the whole batch has, from <paramref name="terms"/> over this graph's <paramref name="rows"/>
    /// rows: what fixed-point sums size their bits by, the same on every rank.
    /// </summary>
    internal long TermsOverBatch(long terms, int rows) => GlobalRows > 0 && rows > 0 ? terms / rows * GlobalRows : terms;

    /// <summary>The ranks this graph trains with; one process unless a distributed fit says otherwise.</summary>
    public Distributed.ICommunicator Communicator { get; internal set; } = Distributed.Communicators.Single;

    /// <summary>
    /// How many rows of the global batch come before this graph's first row, when ranks share a batch:
    /// random masks and noise are drawn by global row, so each row gets what one process would give it.
    /// </summary>
    public long RowOffset { get; internal set; }

    /// <summary>
    /// The derivative backward starts from (1): a rank holding part of a batch scales its mean loss by its share
    /// of the rows, so every rank's gradients are parts of the whole batch's and add up to them.
    /// </summary>
    public float LossScale { get; internal set; } = 1f;

    /// <summary>
    /// The rows of the whole batch when ranks share it (0 in one process), and this graph's part of them. A loss that
    /// is a mean over its rows (<see cref="MeansOverGlobalBatch"/>) then divides by the whole batch's count, so each row's
    /// gradient has the bits one process gives it, and backward starts from 1 instead of <see cref="LossScale"/>.
    /// </summary>
    internal long GlobalRows { get; set; }

    internal int LocalRows { get; set; }

    /// <summary>The loss node whose mean is taken over the whole batch's rows; null where the loss is not such a mean.</summary>
    internal Node? MeansOverGlobalBatch { get; set; }

    /// <summary>The index of the first value of this graph's rows among the global batch's, for values of <paramref name="perRow"/> each.</summary>
    internal ulong FirstIndex(long perRow) => (ulong)(RowOffset * perRow);

    /// <summary>Scalar terms layers added to the model's loss (Keras's <c>add_loss</c>).</summary>
    public IReadOnlyList<Node> Losses => _losses;

    /// <summary>Adds a scalar term to <see cref="Losses"/> (Keras's <c>layer.add_loss</c>), such as an L2 penalty.</summary>
    /// <exception cref="StrataException"><paramref name="scalar"/> has more than one element.</exception>
    public void AddLoss(Node scalar)
    {
        if (scalar.Value.Size != 1)
            throw new StrataException($"A loss term must be a scalar; got shape {ShapeOps.Format(scalar.Shape)}.");
        _losses.Add(scalar);
    }

    /// <summary>A placeholder whose value is copied in before each run.</summary>
    public InputNode Input(int[] shape, bool requiresGradient = false) => new(this, shape, requiresGradient);

    /// <summary>
    /// The node that stands for a layer's variable; one per variable in a graph. Gradients flow to it
    /// only when <paramref name="trainable"/> (the variable's and its layer's trainability together).
    /// </summary>
    public Node Parameter(Variable variable, bool trainable)
    {
        if (!_parameters.TryGetValue(variable, out var node))
        {
            node = new ParameterNode(this, variable, trainable);
            _parameters.Add(variable, node);
        }
        return node;
    }

    /// <summary>Whether the graph reads <paramref name="variable"/>.</summary>
    public bool Uses(Variable variable) => _parameters.ContainsKey(variable);

    /// <summary>The fixed-point sums of a variable's gradient from the last backward pass (<see cref="ReproducibleSums"/>); null without them.</summary>
    internal FixedPointGradient? FixedPointGradientOf(Variable variable) =>
        _parameters.TryGetValue(variable, out var node) ? node.FixedPointGradient : null;

    /// <summary>The gradient accumulated for a variable by the last backward pass.</summary>
    public Tensor? GradientOf(Variable variable) =>
        _parameters.TryGetValue(variable, out var node) ? node.Gradient : null;

    internal void Register(Node node)
    {
        _nodes.Add(node);
        _gradientsAllocated = false;
    }

    /// <summary>
    /// Runs every node's forward computation in recording order, from the current input and variable
    /// values into the nodes' existing buffers; set the inputs first.
    /// </summary>
    public void Forward()
    {
        var nodes = _nodes;
        if (NodeTimings.Enabled)
        {
            for (int i = 0; i < nodes.Count; i++) NodeTimings.Forward(nodes[i], i);
            return;
        }
        for (int i = 0; i < nodes.Count; i++)
            nodes[i].Forward();
    }

    /// <summary>Backpropagates from a scalar <paramref name="loss"/> node computed by the last forward pass.</summary>
    public void Backward(Node loss)
    {
        if (loss.Value.Size != 1)
            throw new StrataException($"Backward needs a scalar loss; the node has shape {ShapeOps.Format(loss.Shape)}.");
        AllocateGradients();
        var nodes = _nodes;
        foreach (var gradient in _ownGradients) gradient.Span.Clear();
        foreach (var node in _parameters.Values) node.FixedPointGradient?.Clear();
        loss.Gradient!.Data[0] = MeansOverGlobalBatch is null ? LossScale : 1f;
        int end = nodes.IndexOf(loss);
        for (int i = end; i >= 0; i--)
            if (nodes[i].RequiresGradient)
            {
                if (NodeTimings.Enabled) NodeTimings.Backward(nodes[i], i);
                else nodes[i].Backward();
            }
    }

    private void AllocateGradients()
    {
        if (_gradientsAllocated) return;
        var consumers = SharesGradients ? SoleConsumers() : null;
        // Nodes recorded since the last allocation may read a node that shared its consumer's buffer.
        if (consumers is not null)
            foreach (var node in _nodes) node.Gradient = null;
        _ownGradients.Clear();
        var owned = new HashSet<float[]>(ReferenceEqualityComparer.Instance);
        // Consumers come after their inputs, so a consumer's buffer exists when its input asks to share it.
        for (int i = _nodes.Count - 1; i >= 0; i--)
        {
            var node = _nodes[i];
            if (!node.RequiresGradient) continue;
            if (node.Gradient is null)
            {
                if (consumers?[i] is { } consumer && consumer.Gradient is { } shared && shared.Size == node.Value.Size)
                {
                    node.Gradient = new Tensor(node.Value.ShapeArray(), shared.Data);
                    continue;
                }
                node.Gradient = new Tensor(node.Value.ShapeArray());
            }
            if (owned.Add(node.Gradient.Data)) _ownGradients.Add(node.Gradient);
        }
        if (ReproducibleSums) AllocateFixedPointGradients();
        _gradientsAllocated = true;
    }

    // A parameter read once, by a node that sums its gradient in fixed point, gets the sums.
    private void AllocateFixedPointGradients()
    {
        var uses = new Dictionary<Node, (int Count, Node Consumer, int Input)>(ReferenceEqualityComparer.Instance);
        foreach (var node in _nodes)
            for (int k = 0; k < node.Inputs.Count; k++)
                if (node.Inputs[k] is ParameterNode p)
                    uses[p] = (uses.TryGetValue(p, out var u) ? u.Count + 1 : 1, node, k);
        foreach (var (node, use) in uses)
        {
            var parameter = (ParameterNode)node;
            var layout = parameter.RequiresGradient && use.Count == 1 ? use.Consumer.FixedPointLayout(use.Input) : null;
            if (layout is null) parameter.FixedPointGradient = null;
            else parameter.FixedPointGradient ??= new FixedPointGradient(layout.Value.Rows, layout.Value.Columns);
        }
    }

    // Per node, its one consumer when that consumer reads it once and can turn its gradient into the node's in place.
    private Node?[] SoleConsumers()
    {
        var index = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _nodes.Count; i++) index[_nodes[i]] = i;
        var uses = new int[_nodes.Count];
        var consumer = new Node?[_nodes.Count];
        foreach (var node in _nodes)
            for (int k = 0; k < node.Inputs.Count; k++)
            {
                int i = index[node.Inputs[k]];
                uses[i]++;
                consumer[i] = node.BackwardInPlace(k) ? node : null;
            }
        for (int i = 0; i < uses.Length; i++)
            if (uses[i] != 1 || _losses.Contains(_nodes[i])) consumer[i] = null;
        return consumer;
    }
}
