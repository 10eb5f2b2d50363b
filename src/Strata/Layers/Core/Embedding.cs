using Strata.Autodiff;
using Strata.Layers.Regularizers;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>The arguments of <see cref="Embedding"/>, with Keras's defaults.</summary>
[KerasUnsupported("lora_rank")]
public sealed record EmbeddingConfig : LayerConfig
{
    /// <summary>The vocabulary size: indices run from 0 to input_dim − 1.</summary>
    public required int InputDim { get; init; }

    /// <summary>The length of each embedding vector.</summary>
    public required int OutputDim { get; init; }

    /// <summary>The embedding matrix's initializer (Keras's "uniform": RandomUniform in [−0.05, 0.05)), regularizer and constraint.</summary>
    public WeightSettings Embeddings { get; init; } = new(Initializer.RandomUniform());

    /// <summary>A penalty on the layer's output, added to the loss (Keras's activity_regularizer).</summary>
    public Regularizer? ActivityRegularizer { get; init; }

    /// <summary>Whether index 0 is padding: the layer then masks the steps holding it for the layers that follow.</summary>
    public bool MaskZero { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(InputDim > 0, "input_dim", $"Both `input_dim` and `output_dim` should be positive, Received input_dim = {InputDim} and output_dim = {OutputDim}");
        Require(OutputDim > 0, "output_dim", $"Both `input_dim` and `output_dim` should be positive, Received input_dim = {InputDim} and output_dim = {OutputDim}");
    }
}

/// <summary>
/// Turns word indices into dense vectors: input [batch, steps] of whole numbers in [0, input_dim)
/// (stored as floats) gives [batch, steps, output_dim], row <c>i</c> of the weight <c>embeddings</c>
/// [input_dim, output_dim] for index <c>i</c>. With mask_zero, index 0 is padding and the layer starts a
/// mask (step present where the index is not 0) that Dense, the dropout family, normalization over the
/// last axis pass on and GlobalAveragePooling1D/GlobalMaxPooling1D use. PyTorch: nn.Embedding (whose
/// padding_idx also freezes that row's gradient; mask_zero does not).
/// </summary>
public sealed class Embedding : Layer<EmbeddingConfig>, IMaskProducer
{
    /// <summary>An Embedding layer with every argument given by <paramref name="config"/>.</summary>
    public Embedding(EmbeddingConfig config) : base(config) { }

    /// <summary>An Embedding layer of <paramref name="inputDim"/> words to vectors of <paramref name="outputDim"/>; <paramref name="maskZero"/> makes index 0 padding.</summary>
    public Embedding(int inputDim, int outputDim, bool maskZero = false, string? name = null)
        : this(new EmbeddingConfig { InputDim = inputDim, OutputDim = outputDim, MaskZero = maskZero, Name = name }) { }

    /// <summary>The vocabulary size.</summary>
    public int InputDim => Config.InputDim;

    /// <summary>The length of each embedding vector.</summary>
    public int OutputDim => Config.OutputDim;

    /// <summary>Whether index 0 is padding that the layer masks.</summary>
    public bool MaskZero => Config.MaskZero;

    /// <summary>The embedding matrix [input_dim, output_dim], once built.</summary>
    public Variable? Embeddings { get; private set; }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length < 2)
            throw new StrataException($"Embedding layer '{Name}' expects indices of shape [batch, steps, ...]; received {ShapeOps.Format(inputShape)}.");
        return [.. inputShape, OutputDim];
    }

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random) =>
        Embeddings = AddWeight("embeddings", [InputDim, OutputDim], Config.Embeddings, random);

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode)
    {
        var output = Ops.Embedding(input, Parameter(input, Embeddings!), $"Embedding layer '{Name}'");
        AddActivityPenalty(Config.ActivityRegularizer, output);
        return output;
    }

    /// <inheritdoc/>
    // Indices are whole numbers ≥ 0 (the lookup refuses others), so clipping to [0, 1] is Keras's not_equal(inputs, 0).
    public Node? ComputeMask(Node input) => MaskZero ? Ops.Clip(input, 0, 1) : null;
}
