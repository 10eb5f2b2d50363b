using Strata.Tensors;

namespace Strata.Autodiff;

/// <summary>
/// The differentiable operations. Each call records a node in the operands' graph; its gradient
/// rule lives beside its forward computation in the node class, so a layer or loss written with
/// these gets its backward pass for free.
/// </summary>
public static class Ops
{
    /// <summary>
    /// a + b, element by element (<c>keras.ops.add</c>, <c>torch.add</c>). The operands broadcast as in
    /// NumPy: shapes are aligned on the right, and an axis of size 1 or a missing leading axis is repeated
    /// to match the other operand, so a bias of shape [units] adds to every row of a [batch, units] input.
    /// The gradient is summed back over the repeated axes.
    /// </summary>
    /// <returns>A node of the broadcast shape.</returns>
    public static Node Add(Node a, Node b) => new BinaryNode(BinaryOperator.Add, a, b);

    /// <summary>a − b, element by element, with NumPy broadcasting as in <see cref="Add"/>.</summary>
    public static Node Subtract(Node a, Node b) => new BinaryNode(BinaryOperator.Subtract, a, b);

    /// <summary>
    /// a·b, element by element (the Hadamard product, <c>keras.ops.multiply</c>; not a matrix product, for
    /// which see <see cref="MatMul"/>). The operands broadcast as in NumPy, as in <see cref="Add"/>, so a
    /// per-channel scale of shape [C] multiplies every position of an [N, H, W, C] map.
    /// </summary>
    public static Node Multiply(Node a, Node b) => new BinaryNode(BinaryOperator.Multiply, a, b);

    /// <summary>a / b, element by element, with NumPy broadcasting as in <see cref="Add"/>; no guard against b = 0.</summary>
    public static Node Divide(Node a, Node b) => new BinaryNode(BinaryOperator.Divide, a, b);

    /// <summary>
    /// The larger of a and b, element by element, with NumPy broadcasting as in <see cref="Add"/>. The
    /// gradient goes to the larger operand; on a tie, to <paramref name="a"/> (as TensorFlow does).
    /// </summary>
    public static Node Maximum(Node a, Node b) => new BinaryNode(BinaryOperator.Maximum, a, b);

    /// <summary>
    /// The smaller of a and b, element by element, with NumPy broadcasting as in <see cref="Add"/>. The
    /// gradient goes to the smaller operand; on a tie, to <paramref name="a"/>.
    /// </summary>
    public static Node Minimum(Node a, Node b) => new BinaryNode(BinaryOperator.Minimum, a, b);

    /// <summary>−x, element by element.</summary>
    public static Node Negate(Node x) => new UnaryNode(UnaryOperator.Negate, x);

    /// <summary>|x|, element by element; the gradient at 0 is 0 (the subgradient TensorFlow uses).</summary>
    public static Node Abs(Node x) => new UnaryNode(UnaryOperator.Abs, x);

    /// <summary>x², element by element (for squared errors and variances).</summary>
    public static Node Square(Node x) => new UnaryNode(UnaryOperator.Square, x);

    /// <summary>√x, element by element; the gradient is infinite at 0, so add an ε first where x may be 0.</summary>
    public static Node Sqrt(Node x) => new UnaryNode(UnaryOperator.Sqrt, x);

    /// <summary>eˣ, element by element.</summary>
    public static Node Exp(Node x) => new UnaryNode(UnaryOperator.Exp, x);

    /// <summary>The natural logarithm, element by element; clip x away from 0 first where it may reach it.</summary>
    public static Node Log(Node x) => new UnaryNode(UnaryOperator.Log, x);

    /// <summary>log(1 + eˣ), computed without overflow.</summary>
    public static Node Softplus(Node x) => new UnaryNode(UnaryOperator.Softplus, x);

    /// <summary>min(max(x, min), max); the gradient passes only inside the bounds.</summary>
    public static Node Clip(Node x, float min, float max) => new UnaryNode(UnaryOperator.Clip, x, min, max);

    /// <summary>x·<paramref name="factor"/> for a constant factor, without a node for the constant.</summary>
    public static Node Scale(Node x, float factor) => new UnaryNode(UnaryOperator.Scale, x, factor);

    /// <summary>x + <paramref name="value"/> for a constant value (such as an ε), without a node for the constant.</summary>
    public static Node AddScalar(Node x, float value) => new UnaryNode(UnaryOperator.AddScalar, x, value);

    /// <summary>
    /// A Keras activation (<c>activation="relu"</c> and the like) applied element by element, softmax
    /// over the last axis; <see cref="ActivationFunction.Linear"/> returns <paramref name="x"/> itself.
    /// </summary>
    public static Node Activation(Node x, ActivationFunction function) =>
        function == ActivationFunction.Linear ? x : new ActivationNode(function, x);

    /// <summary>
    /// An activation with Keras's arguments for it (a relu's max_value, a leaky_relu's slope, an
    /// elu's alpha, softmax over another axis); with the defaults, the same as the function alone.
    /// </summary>
    public static Node Activation(Node x, ActivationArguments arguments)
    {
        if (arguments.Function is ActivationFunction.Softmax or ActivationFunction.LogSoftmax && x.Shape.Length > 0)
        {
            int rank = x.Shape.Length, axis = arguments.Axis < 0 ? arguments.Axis + rank : arguments.Axis;
            if (axis < 0 || axis >= rank)
                throw new StrataException($"Softmax over axis {arguments.Axis} of an input of shape {ShapeOps.Format(x.Shape)}, which has no such axis.");
            // The last axis, however it is written, is the default form.
            if (axis == rank - 1) arguments = arguments with { Axis = -1 };
        }
        return arguments.Function == ActivationFunction.Linear ? x : new ActivationNode(arguments, x);
    }

    /// <summary>Parametric ReLU: x where x &gt; 0, alpha·x elsewhere, alpha broadcast over x (its size-1 axes shared).</summary>
    public static Node PRelu(Node x, Node alpha) => new PReluNode(x, alpha);

    /// <summary>
    /// log(softmax(x)) over the last axis, computed as x − logΣeˣ so large logits do not overflow; the
    /// stable input to a cross-entropy on logits (<c>from_logits=True</c>).
    /// </summary>
    public static Node LogSoftmax(Node x) => new LogSoftmaxNode(x);

    /// <summary>
    /// The matrix product a·b of a 2-D <paramref name="a"/> [m, k] and a 2-D <paramref name="b"/> [k, n],
    /// giving [m, n]; no batch axes and no broadcasting (a dense layer on a higher-rank input uses <see cref="Dense"/>).
    /// </summary>
    /// <exception cref="StrataException">Either operand is not 2-D or their inner sizes differ.</exception>
    public static Node MatMul(Node a, Node b) => new MatMulNode(a, b);

    /// <summary>Fused f(x·kernel + bias) over the last axis of x.</summary>
    public static Node Dense(Node x, Node kernel, Node? bias, ActivationFunction function) =>
        new DenseNode(x, kernel, bias, function);

    /// <summary>
    /// Fused f(conv(x, kernel) + bias) on channels-last maps [N, H, W, C] with kernel [kh, kw, C/groups, out];
    /// see <see cref="ConvNode"/>. The geometry's batch and sizes must match x.
    /// </summary>
    public static Node Conv2D(Node x, Node kernel, Node? bias, ConvGeometry geometry, int groups, ActivationFunction function)
    {
        CheckGeometry(x, geometry);
        return new ConvNode(x, kernel, bias, geometry, groups, function);
    }

    /// <summary>Max or average pooling of channels-last maps over the geometry's windows; see <see cref="PoolNode"/>.</summary>
    public static Node Pool2D(Node x, ConvGeometry geometry, bool max)
    {
        CheckGeometry(x, geometry);
        return new PoolNode(x, geometry, max);
    }

    /// <summary>
    /// Max-pooling dropout (Wu &amp; Gu 2015): with <paramref name="random"/>, the maximum of each window's
    /// kept units; without, the probabilistic weighted pooling; see <see cref="MaxPoolingDropoutNode"/>.
    /// </summary>
    public static Node MaxPoolingDropout2D(Node x, ConvGeometry geometry, float rate, RandomStream? random)
    {
        CheckGeometry(x, geometry);
        return new MaxPoolingDropoutNode(x, geometry, rate, random);
    }

    /// <summary>Zero padding of the spatial axes of channels-last maps [N, H, W, C].</summary>
    public static Node ZeroPad2D(Node x, int top, int bottom, int left, int right)
    {
        if (x.Shape.Length != 4) throw new StrataException($"Zero padding needs [batch, height, width, channels]; got {ShapeOps.Format(x.Shape)}.");
        return new PadNode(x, top, bottom, left, right);
    }

    private static void CheckGeometry(Node x, ConvGeometry g)
    {
        if (x.Shape.Length != 4 || x.Shape[0] != g.Batch || x.Shape[1] != g.Height || x.Shape[2] != g.Width || x.Shape[3] != g.Channels)
            throw new StrataException($"The window geometry ({g.Batch}, {g.Height}, {g.Width}, {g.Channels}) does not match the input {ShapeOps.Format(x.Shape)}.");
    }

    /// <summary>The sum of x's elements, over one axis or all of them (<c>keras.ops.sum</c>, <c>np.sum</c>).</summary>
    /// <param name="x">The tensor to reduce.</param>
    /// <param name="axis">The axis to sum over, negative counting from the end (-1 for the last); null sums every element.</param>
    /// <param name="keepDims">Keep the reduced axis with size 1 (so the result broadcasts back against x) instead of removing it.</param>
    /// <returns>x's shape without <paramref name="axis"/> (a scalar for null); with <paramref name="keepDims"/>, x's rank with the reduced axes 1.</returns>
    public static Node Sum(Node x, int? axis = null, bool keepDims = false) => new ReduceNode(x, axis, keepDims, mean: false);

    /// <summary>The mean of x's elements, over one axis or all of them (<c>keras.ops.mean</c>, <c>np.mean</c>).</summary>
    /// <param name="x">The tensor to reduce.</param>
    /// <param name="axis">The axis to average over, negative counting from the end (-1 for the last); null averages every element.</param>
    /// <param name="keepDims">Keep the reduced axis with size 1 (so the result broadcasts back against x) instead of removing it.</param>
    /// <returns>x's shape without <paramref name="axis"/> (a scalar for null); with <paramref name="keepDims"/>, x's rank with the reduced axes 1.</returns>
    public static Node Mean(Node x, int? axis = null, bool keepDims = false) => new ReduceNode(x, axis, keepDims, mean: true);

    /// <summary>The mean over several axes, kept as size 1 (one reduction per axis; exact since each averages equal counts).</summary>
    public static Node Mean(Node x, IEnumerable<int> axes)
    {
        var result = x;
        foreach (int axis in axes) result = Mean(result, axis, keepDims: true);
        return result;
    }

    /// <summary>
    /// (x − mean)/√(variance + ε) over <paramref name="axes"/>, with the biased variance (layer and group
    /// normalization). Fused on the moments kernel when the axes allow (see <see cref="StandardizeNode"/>).
    /// </summary>
    public static Node Standardize(Node x, int[] axes, float epsilon)
    {
        if (StandardizeNode.Layout(x.Shape, axes) is var (batch, outer, channels, inner))
            return new StandardizeNode(x, batch, outer, channels, inner, epsilon);
        var centered = Subtract(x, Mean(x, axes));
        var variance = Mean(Square(centered), axes);
        return Divide(centered, Sqrt(AddScalar(variance, epsilon)));
    }

    /// <summary>x/√(mean(x²) + ε) over <paramref name="axes"/> (RMS normalization, Zhang and Sennrich 2019).</summary>
    public static Node RmsNormalize(Node x, int[] axes, float epsilon) =>
        Divide(x, Sqrt(AddScalar(Mean(Square(x), axes), epsilon)));

    /// <summary>
    /// The same elements in the same (row-major) order under another <paramref name="shape"/> with the same
    /// number of elements; every size explicit (no −1). Shares x's buffer, so it costs no copy.
    /// </summary>
    public static Node Reshape(Node x, params int[] shape) => new ReshapeNode(x, shape);

    /// <summary>
    /// The entries <paramref name="start"/> .. start + <paramref name="length"/> of <paramref name="axis"/>
    /// (negative counting from the end), the axis kept with size <paramref name="length"/>, as
    /// <c>x[:, start:start + length]</c> along that axis.
    /// </summary>
    public static Node Slice(Node x, int axis, int start, int length) =>
        new SliceNode(x, axis < 0 ? axis + x.Shape.Length : axis, start, length);

    /// <summary>
    /// The tensors of <paramref name="parts"/> joined along <paramref name="axis"/> (negative counting from
    /// the end), as <c>keras.ops.concatenate</c>; the other axes must agree.
    /// </summary>
    public static Node Concatenate(IReadOnlyList<Node> parts, int axis)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("Concatenation needs at least one tensor.", nameof(parts));
        return new ConcatNode([.. parts], axis < 0 ? axis + parts[0].Shape.Length : axis);
    }

    /// <summary>
    /// A whole LSTM sequence from zero states, fused: <paramref name="projected"/> holds every step's
    /// x·kernel + bias, [batch, timesteps, 4·units] (gates i, f, c, o); each step adds the previous output
    /// (times <paramref name="stateMask"/> [batch, units], when given) by the recurrent kernel
    /// [units, 4·units] and updates the carry. Returns every step's output, [batch, timesteps, units], in
    /// processing order (last step first with <paramref name="goBackwards"/>). Both activations must work
    /// element by element (not softmax).
    /// </summary>
    public static Node LstmSequence(Node projected, Node recurrentKernel, Node? stateMask,
        ActivationFunction activation, ActivationFunction recurrentActivation, bool goBackwards) =>
        new LstmSequenceNode(projected, recurrentKernel, stateMask, activation, recurrentActivation, goBackwards);

    /// <summary>
    /// A whole GRU sequence (Keras's reset_after form, PyTorch's nn.GRU) from a zero state, fused:
    /// <paramref name="projected"/> holds every step's x·kernel + input bias, [batch, timesteps, 3·units]
    /// (gates z, r, h); each step multiplies the previous output (times <paramref name="stateMask"/>, when
    /// given) by the recurrent kernel [units, 3·units], adds <paramref name="recurrentBias"/> [3·units], and
    /// sets h = z·h_prev + (1 − z)·activation(x_h + r·inner_h). Returns every step's output, [batch,
    /// timesteps, units], in processing order. Both activations must work element by element (not softmax).
    /// </summary>
    public static Node GruSequence(Node projected, Node recurrentKernel, Node? recurrentBias, Node? stateMask,
        ActivationFunction activation, ActivationFunction recurrentActivation, bool goBackwards) =>
        new GruSequenceNode(projected, recurrentKernel, recurrentBias, stateMask, activation, recurrentActivation, goBackwards);

    /// <summary>
    /// Integer class labels (shape [n] or [n, 1], stored as floats) to one-hot rows [n, <paramref name="classes"/>],
    /// as <c>keras.ops.one_hot</c>; for sparse categorical losses. Carries no gradient; a label that is not
    /// a whole number in [0, classes) fails the forward pass with its sample's index.
    /// </summary>
    public static Node OneHot(Node labels, int classes) => new OneHotNode(labels, classes);

    /// <summary>
    /// Rows of <paramref name="embeddings"/> [rows, width] picked by the whole-number <paramref name="indices"/>
    /// (stored as floats, any shape) into [.., width], as <c>keras.ops.take(embeddings, indices, axis=0)</c> and
    /// PyTorch's <c>F.embedding</c>. The gradient is added into the rows read (scatter-add); the indices get
    /// none. An index that is not a whole number in [0, rows) fails the forward pass with a message that
    /// starts with <paramref name="owner"/> (the layer, as "Embedding layer 'embedding'").
    /// </summary>
    public static Node Embedding(Node indices, Node embeddings, string owner)
    {
        if (embeddings.Shape.Length != 2)
            throw new ArgumentException($"The embedding matrix must have rank 2; got {ShapeOps.Format(embeddings.Shape)}.", nameof(embeddings));
        return new EmbeddingNode(indices, embeddings, owner);
    }

    /// <summary>Inverted dropout with a mask of <paramref name="noiseShape"/> broadcast over x.</summary>
    public static Node Dropout(Node x, float rate, int[] noiseShape, RandomStream random)
    {
        if (noiseShape.Length != x.Shape.Length)
            throw new StrataException($"noise_shape {ShapeOps.Format(noiseShape)} must have the input's rank {x.Shape.Length}.");
        ShapeOps.Broadcast(noiseShape, x.Shape);
        return new DropoutNode(x, rate, noiseShape, random);
    }

    /// <summary>A fresh Bernoulli draw on every forward pass: <paramref name="value"/> with probability <paramref name="probability"/>, else 0.</summary>
    /// <remarks>
    /// With <paramref name="perRow"/> (the default) the first axis is the batch and, when ranks share a batch,
    /// each row draws by its global index; a mask over a weight passes false, so every rank draws the same one.
    /// </remarks>
    public static Node RandomBernoulli(Graph graph, int[] shape, float probability, float value, RandomStream random, bool perRow = true) =>
        new NoiseNode(graph, shape, NoiseDistribution.Bernoulli, probability, value, random, perRow);

    /// <summary>Fresh Gaussian noise on every forward pass.</summary>
    public static Node RandomNormal(Graph graph, int[] shape, float mean, float stddev, RandomStream random) =>
        new NoiseNode(graph, shape, NoiseDistribution.Gaussian, mean, stddev, random, perRow: true);

    /// <summary>
    /// Weighted Channel Dropout (Hou &amp; Wang 2019) of channels-last x: per sample, <paramref name="selected"/>
    /// channels chosen by weighted random selection on their average activations, each then kept with
    /// probability 1 − <paramref name="randomRate"/>, rescaled; see <see cref="WeightedChannelDropoutNode"/>.
    /// </summary>
    public static Node WeightedChannelDropout(Node x, int selected, float randomRate, RandomStream random)
    {
        if (x.Shape.Length < 3) throw new StrataException($"Weighted channel dropout needs [batch, ..., channels] with spatial axes; got {ShapeOps.Format(x.Shape)}.");
        return new WeightedChannelDropoutNode(x, selected, randomRate, random);
    }

    /// <summary>A DropBlock mask for channels-last feature maps of <paramref name="shape"/>, already scaled by size/kept.</summary>
    public static Node DropBlockMask(Graph graph, int[] shape, float rate, int blockHeight, int blockWidth, RandomStream random) =>
        new DropBlockMaskNode(graph, shape, rate, blockHeight, blockWidth, random);

    /// <summary>
    /// Batch normalization over every axis but <see cref="BatchNormOptions.Axes"/>, with batch
    /// statistics when <paramref name="mode"/> trains, else the moving ones; see <see cref="BatchNormNode"/>.
    /// When the mode accumulates statistics, the input's moments are also merged into
    /// <paramref name="population"/> (precise BN).
    /// </summary>
    public static Node BatchNormalization(Node x, BatchNormNodes variables, BatchNormOptions options,
        CallMode mode, PopulationStatistics? population = null) =>
        new BatchNormNode(x, variables, options, mode, population);
}
