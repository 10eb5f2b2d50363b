using Microsoft.ML.OnnxRuntime;
using Strata.Formats.Onnx;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Pooling;
using Strata.Layers.Recurrent;
using Strata.Layers.Regularization;
using Strata.Models;
using Strata.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace Strata.Tests.Formats;

/// <summary>
/// SimpleRNN, LSTM, GRU, Bidirectional, Embedding and TimeDistributed exported to ONNX, run in ONNX
/// Runtime in process and compared with Predict (or with values worked by hand). Every weight,
/// biases included, is random, so a gate put in the wrong place or a transposed block shows.
/// </summary>
public sealed class OnnxRecurrentExportTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private const int Steps = 6, Features = 3;
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-onnx-rnn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AHandSetBackwardRnnReturnsItsStepsInReadingOrderInOnnxRuntime()
    {
        var rnn = new SimpleRNN(new SimpleRNNConfig { Units = 1, Activation = ActivationFunction.Linear, ReturnSequences = true, GoBackwards = true });
        var model = new Sequential([new InputLayer([-1, 2, 1]), rnn]);
        rnn.Kernel!.Value.Data[0] = 2;
        rnn.RecurrentKernel!.Value.Data[0] = 0.5f;
        rnn.Bias!.Value.Data[0] = 1;
        // Read from the end, x = [1, 3]: h = 2·3 + 1 = 7, then h = 2·1 + 0.5·7 + 1 = 6.5; Keras returns [7, 6.5].
        string onnx = Path.Combine(_dir, "hand.onnx");
        OnnxExport.Save(model, onnx);
        var actual = RunInOnnxRuntime(onnx, new Tensor([1, 2, 1], [1, 3]), [1, 2, 1]);
        Assert.Equal(7, actual[0], 5);
        Assert.Equal(6.5, actual[1], 5);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void SimpleRnnRunsInOnnxRuntimeAsInStrata(bool sequences, bool backwards)
    {
        Check($"SimpleRNN tanh sequences={sequences} backwards={backwards}",
            new SimpleRNN(new SimpleRNNConfig { Units = 4, ReturnSequences = sequences, GoBackwards = backwards }));
        Check($"SimpleRNN relu sequences={sequences} backwards={backwards}",
            new SimpleRNN(new SimpleRNNConfig { Units = 5, Activation = ActivationFunction.Relu, ReturnSequences = sequences, GoBackwards = backwards }));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void LstmRunsInOnnxRuntimeAsInStrata(bool sequences, bool backwards) =>
        Check($"LSTM sequences={sequences} backwards={backwards}",
            new LSTM(new LSTMConfig { Units = 4, ReturnSequences = sequences, GoBackwards = backwards }));

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, false)]
    [InlineData(false, false, true)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(true, true, true)]
    public void GruRunsInOnnxRuntimeAsInStrata(bool sequences, bool backwards, bool resetAfter) =>
        Check($"GRU sequences={sequences} backwards={backwards} reset_after={resetAfter}",
            new GRU(new GRUConfig { Units = 4, ReturnSequences = sequences, GoBackwards = backwards, ResetAfter = resetAfter }));

    [Theory]
    [InlineData(ActivationFunction.Relu, ActivationFunction.HardSigmoid)]
    [InlineData(ActivationFunction.Softsign, ActivationFunction.Sigmoid)]
    [InlineData(ActivationFunction.Elu, ActivationFunction.Softplus)]
    [InlineData(ActivationFunction.LeakyRelu, ActivationFunction.Tanh)]
    [InlineData(ActivationFunction.Linear, ActivationFunction.HardSigmoid)]
    public void RecurrentLayersWithOtherActivationsRunInOnnxRuntimeAsInStrata(ActivationFunction activation, ActivationFunction gates)
    {
        string what = $"activation={Activations.Name(activation)} recurrent_activation={Activations.Name(gates)}";
        Check($"LSTM {what}", new LSTM(new LSTMConfig { Units = 4, Activation = activation, RecurrentActivation = gates, ReturnSequences = true }));
        Check($"GRU {what}", new GRU(new GRUConfig { Units = 4, Activation = activation, RecurrentActivation = gates, GoBackwards = true }));
        Check($"GRU reset_after=False {what}", new GRU(new GRUConfig { Units = 3, Activation = activation, RecurrentActivation = gates, ResetAfter = false, ReturnSequences = true }));
        Check($"SimpleRNN activation={Activations.Name(activation)}", new SimpleRNN(new SimpleRNNConfig { Units = 4, Activation = activation, ReturnSequences = true, GoBackwards = true }));
    }

    [Fact]
    public void RecurrentLayersWithoutBiasOrWithDropoutRunInOnnxRuntimeAsInStrata()
    {
        var noBias = new RecurrentWeights { UseBias = false };
        Check("LSTM use_bias=False", new LSTM(new LSTMConfig { Units = 4, Weights = noBias, ReturnSequences = true }));
        Check("GRU use_bias=False", new GRU(new GRUConfig { Units = 4, Weights = noBias, GoBackwards = true }));
        Check("GRU reset_after=False use_bias=False", new GRU(new GRUConfig { Units = 4, Weights = noBias, ResetAfter = false }));
        Check("SimpleRNN use_bias=False", new SimpleRNN(new SimpleRNNConfig { Units = 4, Weights = noBias }));
        // Dropout and recurrent dropout draw masks only in training; the export is the inference function.
        Check("LSTM with dropout", new LSTM(4, returnSequences: true, dropout: 0.3, recurrentDropout: 0.4));
    }

    [Theory]
    [InlineData("concat")]
    [InlineData("sum")]
    [InlineData("mul")]
    [InlineData("ave")]
    public void BidirectionalRunsInOnnxRuntimeAsInStrata(string mergeMode)
    {
        foreach (bool sequences in new[] { false, true })
        {
            Check($"Bidirectional({mergeMode}) LSTM sequences={sequences}",
                new Bidirectional(new LSTM(new LSTMConfig { Units = 4, ReturnSequences = sequences }), mergeMode));
            Check($"Bidirectional({mergeMode}) GRU sequences={sequences}",
                new Bidirectional(new GRU(new GRUConfig { Units = 3, ReturnSequences = sequences }), mergeMode));
            Check($"Bidirectional({mergeMode}) GRU reset_after=False sequences={sequences}",
                new Bidirectional(new GRU(new GRUConfig { Units = 3, ResetAfter = false, ReturnSequences = sequences }), mergeMode));
            Check($"Bidirectional({mergeMode}) SimpleRNN sequences={sequences}",
                new Bidirectional(new SimpleRNN(new SimpleRNNConfig { Units = 5, ReturnSequences = sequences }), mergeMode));
            // A wrapped go_backwards layer reads from the end and its copy from the start; Keras's order is kept.
            Check($"Bidirectional({mergeMode}) go_backwards LSTM sequences={sequences}",
                new Bidirectional(new LSTM(new LSTMConfig { Units = 4, ReturnSequences = sequences, GoBackwards = true, RecurrentActivation = ActivationFunction.HardSigmoid }), mergeMode));
        }
    }

    [Fact]
    public void AnEmbeddingLstmDenseModelRunsInOnnxRuntimeAsInStrata()
    {
        var model = new Sequential([
            new InputLayer([-1, 7]),
            new Embedding(11, 5),
            new LSTM(6),
            new Dense(3, "softmax"),
        ], seed: 3);
        Randomize(model, 3);
        Compare("Embedding → LSTM → Dense", model, Indices(4, 7, 11, seed: 5));
    }

    [Fact]
    public void StackedSequenceModelsRunInOnnxRuntimeAsInStrata()
    {
        var model = new Sequential([
            new InputLayer([-1, 8]),
            new Embedding(20, 6, maskZero: false),
            new Bidirectional(new GRU(new GRUConfig { Units = 4, ReturnSequences = true })),
            new Dropout(0.3),
            new LSTM(new LSTMConfig { Units = 5, ReturnSequences = true, GoBackwards = true }),
            new TimeDistributed(new Dense(3, "relu")),
            new SimpleRNN(new SimpleRNNConfig { Units = 4, ReturnSequences = true }),
            new GlobalAveragePooling1D(),
            new Dense(2),
        ], seed: 4);
        Randomize(model, 4);
        Compare("Embedding → Bidirectional GRU → LSTM → TimeDistributed(Dense) → SimpleRNN → GlobalAveragePooling1D", model, Indices(5, 8, 20, seed: 6));

        model = new Sequential([
            new InputLayer([-1, Steps, Features]),
            new TimeDistributed(new Dense(4, "tanh")),
            new Bidirectional(new LSTM(new LSTMConfig { Units = 3, ReturnSequences = true }), "ave"),
            new GlobalMaxPooling1D(),
        ], seed: 5);
        Randomize(model, 5);
        Compare("TimeDistributed(Dense) → Bidirectional LSTM → GlobalMaxPooling1D", model, TestSupport.Random(7, 1.0, 4, Steps, Features));
    }

    [Fact]
    public void ARecurrentLayerFedAnEmbeddingMaskIsRefusedByName()
    {
        var model = new Sequential([new InputLayer([-1, 5]), new Embedding(10, 4, maskZero: true), new Dropout(0.1), new LSTM(3, name: "reader"), new Dense(1)]);
        var e = Assert.Throws<StrataException>(() => OnnxExport.Save(model, Path.Combine(_dir, "masked.onnx")));
        Assert.Contains("Layer 'reader' (LSTM) cannot be exported to ONNX", e.Message);
        Assert.Contains("mask_zero", e.Message);

        // The mask ends at a layer that drops it (Flatten), so what follows exports.
        var unmasked = new Sequential([new InputLayer([-1, 5]), new Embedding(10, 4, maskZero: true), new Flatten(), new Dense(2)], seed: 2);
        Compare("mask_zero Embedding → Flatten → Dense", unmasked, Indices(3, 5, 10, seed: 8));
    }

    [Fact]
    public void AnActivationOnnxRecurrentOperatorsLackIsRefusedByName()
    {
        var model = new Sequential([new InputLayer([-1, Steps, Features]), new GRU(new GRUConfig { Units = 3, Activation = ActivationFunction.Gelu, Name = "gelu_gru" })]);
        var e = Assert.Throws<StrataException>(() => OnnxExport.Save(model, Path.Combine(_dir, "gelu.onnx")));
        Assert.Contains("Layer 'gelu_gru' (GRU) cannot be exported to ONNX", e.Message);
        Assert.Contains("gelu", e.Message[e.Message.IndexOf("activation", StringComparison.Ordinal)..]);
    }

    /// <summary>The layer alone on [batch, steps, features] inputs, with random weights.</summary>
    private void Check(string what, Layer layer)
    {
        var model = new Sequential([new InputLayer([-1, Steps, Features]), layer], seed: 1);
        Randomize(model, what.Length);
        Compare(what, model, TestSupport.Random(what.Length, 1.0, 5, Steps, Features));
    }

    /// <summary>Every weight uniform in [−0.7, 0.7): biases too, which start at zero, so each gate's place in the bias is checked.</summary>
    private static void Randomize(Sequential model, int seed)
    {
        var random = new RandomGenerator((ulong)seed);
        foreach (var v in model.Variables)
            for (int i = 0; i < v.Value.Size; i++) v.Value.Data[i] = (float)(1.4 * random.NextDouble() - 0.7);
    }

    /// <summary>Word indices in [0, vocabulary), held as floats as Strata's Embedding takes them.</summary>
    private static Tensor Indices(int batch, int steps, int vocabulary, int seed)
    {
        var random = new RandomGenerator((ulong)seed);
        var t = new Tensor(batch, steps);
        for (int i = 0; i < t.Size; i++) t.Data[i] = (float)Math.Min(vocabulary - 1, Math.Floor(random.NextDouble() * vocabulary));
        return t;
    }

    private void Compare(string what, Sequential model, Tensor x)
    {
        string onnx = Path.Combine(_dir, $"{Guid.NewGuid():N}.onnx");
        OnnxExport.Save(model, onnx);
        var expected = model.Predict(x);
        var actual = RunInOnnxRuntime(onnx, x, expected.ShapeArray());
        // Relative to 1 + |expected|: float rounding grows with the values (a softplus gate lets the carry reach ~50).
        double max = 0;
        for (int i = 0; i < actual.Length; i++) max = Math.Max(max, Math.Abs(expected.Data[i] - actual[i]) / (1 + Math.Abs(expected.Data[i])));
        output.WriteLine($"{what}: max error {max:G3} relative to 1 + |expected| over {actual.Length} outputs, largest {expected.Data.Max(Math.Abs):G3}");
        Assert.True(max <= Tolerance, $"{what}: ONNX Runtime differs from Predict by {max} relative to 1 + |expected|");
    }

    /// <summary>The model's output for <paramref name="x"/> from an ONNX Runtime session on the CPU, checked to have <paramref name="outputShape"/>.</summary>
    private static float[] RunInOnnxRuntime(string model, Tensor x, int[] outputShape)
    {
        using var session = new InferenceSession(model);
        using var input = OrtValue.CreateTensorValueFromMemory(x.Data, x.ShapeArray().Select(d => (long)d).ToArray());
        using var options = new RunOptions();
        using var results = session.Run(options, [session.InputNames[0]], [input], [session.OutputNames[0]]);
        var result = results[0];
        Assert.Equal(outputShape.Select(d => (long)d), result.GetTensorTypeAndShape().Shape);
        return result.GetTensorDataAsSpan<float>().ToArray();
    }
}
