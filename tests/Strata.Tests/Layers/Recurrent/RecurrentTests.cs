using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Formats;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Layers.Recurrent;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Recurrent;

/// <summary>Recurrent layers' configs, Keras configs, variational dropout, model files and Monte-Carlo passes.</summary>
public sealed class RecurrentTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-recurrent-");

    public void Dispose() => _dir.Delete(recursive: true);

    // A Keras 3.6 LSTM layer config as model.to_json() writes it (keys from keras/src/layers/rnn/lstm.py and rnn.py).
    private const string KerasLstm = """
        {"module": "keras.layers", "class_name": "LSTM", "config": {
          "name": "lstm_7", "trainable": true,
          "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
          "return_sequences": true, "return_state": false, "go_backwards": true, "stateful": false, "unroll": false,
          "zero_output_for_mask": false, "units": 16, "activation": "tanh", "recurrent_activation": "hard_sigmoid",
          "use_bias": true,
          "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
          "recurrent_initializer": {"module": "keras.initializers", "class_name": "OrthogonalInitializer", "config": {"gain": 1.0, "seed": null}, "registered_name": null},
          "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
          "unit_forget_bias": false, "kernel_regularizer": null,
          "recurrent_regularizer": {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.001}, "registered_name": null},
          "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "recurrent_constraint": null,
          "bias_constraint": null, "dropout": 0.25, "recurrent_dropout": 0.125, "seed": 42},
         "build_config": {"input_shape": [null, 28, 28]}}
        """;

    [Fact]
    public void AKeras3LstmConfigLoadsWithItsArguments()
    {
        var layer = Assert.IsType<LSTM>(LayerRegistry.FromConfig(JsonNode.Parse(KerasLstm), 0));
        var config = layer.Config;
        Assert.Equal(("lstm_7", 16, true, true), (layer.Name, config.Units, config.ReturnSequences, config.GoBackwards));
        Assert.Equal((ActivationFunction.Tanh, ActivationFunction.HardSigmoid), (config.Activation, config.RecurrentActivation));
        Assert.Equal((0.25, 0.125, 42, false), (config.Dropout, config.RecurrentDropout, config.Seed, config.UnitForgetBias));
        Assert.Equal("Orthogonal", config.Weights.RecurrentKernel.Initializer.ClassName);
        Assert.NotNull(config.Weights.RecurrentKernel.Regularizer);
        layer.Build([-1, 28, 28], new RandomGenerator(1));
        Assert.Equal(new[] { -1, 28, 16 }, layer.OutputShape);
        Assert.Equal(new[] { 28, 64 }, layer.Kernel!.Value.ShapeArray());
        Assert.Equal(new[] { 16, 64 }, layer.RecurrentKernel!.Value.ShapeArray());
        Assert.Equal(new[] { 64 }, layer.Bias!.Value.ShapeArray());
        Assert.All(layer.Bias.Value.Data, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void DefaultsAreKeras()
    {
        var config = new GRU(4).GetConfig();
        Assert.Equal("tanh", (string?)config["activation"]);
        Assert.Equal("sigmoid", (string?)config["recurrent_activation"]);
        Assert.True((bool)config["reset_after"]!);
        Assert.Equal("GlorotUniform", (string?)config["kernel_initializer"]!["class_name"]);
        Assert.Equal("Orthogonal", (string?)config["recurrent_initializer"]!["class_name"]);
        Assert.Equal("Zeros", (string?)config["bias_initializer"]!["class_name"]);
        foreach (string key in new[] { "return_sequences", "return_state", "go_backwards", "stateful", "unroll" })
            Assert.False((bool)config[key]!);
        Assert.True((bool)new LSTM(2).GetConfig()["unit_forget_bias"]!);
    }

    [Fact]
    public void UnitForgetBiasStartsTheForgetGateAtOne()
    {
        var layer = new LSTM(3);
        layer.Build([-1, 2, 5], new RandomGenerator(1));
        Assert.Equal(new float[] { 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0 }, layer.Bias!.Value.Data);
        var gru = new GRU(new GRUConfig { Units = 3, ResetAfter = false });
        gru.Build([-1, 2, 5], new RandomGenerator(1));
        Assert.Equal(new[] { 9 }, gru.Bias!.Value.ShapeArray());
    }

    [Theory]
    [InlineData(7, 3)]
    [InlineData(3, 12)]
    [InlineData(4, 4)]
    public void OrthogonalFillsOrthonormalColumnsOrRows(int rows, int cols)
    {
        var t = new Tensor(rows, cols);
        Initializer.Orthogonal(gain: 2).Fill(t, new RandomGenerator(5));
        // The narrow side's vectors are orthogonal with norm gain = 2: their Gram matrix is 4·I.
        bool byColumn = rows >= cols;
        int count = byColumn ? cols : rows, length = byColumn ? rows : cols;
        float At(int vector, int i) => byColumn ? t.Data[i * cols + vector] : t.Data[vector * cols + i];
        for (int a = 0; a < count; a++)
            for (int b = 0; b < count; b++)
            {
                double dot = 0;
                for (int i = 0; i < length; i++) dot += At(a, i) * At(b, i);
                Assert.Equal(a == b ? 4.0 : 0.0, dot, 4);
            }
        Assert.Equal(2.0, (double)Initializer.FromConfig(JsonNode.Parse("""{"class_name": "Orthogonal", "config": {"gain": 2.0, "seed": 3}}"""), "x").ToConfig()["config"]!["gain"]!);
    }

    [Fact]
    public void ReturnStateAndStatefulAreRefusedByName()
    {
        Assert.Equal("return_state", Assert.ThrowsAny<ArgumentException>(() => new LSTM(new LSTMConfig { Units = 2, ReturnState = true })).ParamName);
        Assert.Equal("stateful", Assert.ThrowsAny<ArgumentException>(() => new GRU(new GRUConfig { Units = 2, Stateful = true })).ParamName);
        Assert.Equal("recurrent_dropout", Assert.ThrowsAny<ArgumentException>(() => new SimpleRNN(new SimpleRNNConfig { Units = 2, RecurrentDropout = 1 })).ParamName);
        Assert.Equal("units", Assert.ThrowsAny<ArgumentException>(() => new LSTM(0)).ParamName);
    }

    /// <summary>
    /// A linear SimpleRNN with an identity kernel and no recurrence returns its masked input at every step,
    /// so the output shows the input mask: the same for every step of a row (variational), 0 or 1/(1 − rate).
    /// </summary>
    [Fact]
    public void TheInputMaskIsDrawnOncePerSequenceAndReusedAtEveryStep()
    {
        const int batch = 6, steps = 5, features = 8;
        Node Run(SimpleRNN layer, CallMode mode, out Graph graph)
        {
            layer.Build([-1, steps, features], new RandomGenerator(1));
            for (int i = 0; i < features; i++) layer.Kernel!.Value.Data[i * features + i] = 1f;
            graph = new Graph();
            var input = graph.Input([batch, steps, features]);
            input.Value.Span.Fill(1f);
            return layer.Call(input, mode);
        }
        SimpleRNN Identity(int seed) => new(new SimpleRNNConfig
        {
            Units = features, Activation = ActivationFunction.Linear, ReturnSequences = true, Dropout = 0.5, Seed = seed,
            Weights = new() { Kernel = new(Initializer.Zeros()), RecurrentKernel = new(Initializer.Zeros()), UseBias = false },
        });

        var y = Run(Identity(11), CallMode.Training, out var graph);
        graph.Forward();
        var first = y.Value.Data.ToArray();
        int dropped = 0;
        for (int b = 0; b < batch; b++)
            for (int f = 0; f < features; f++)
            {
                float m = first[(b * steps) * features + f];
                Assert.True(m is 0f or 2f, $"mask value {m}");
                dropped += m == 0f ? 1 : 0;
                for (int t = 1; t < steps; t++) Assert.Equal(m, first[(b * steps + t) * features + f]);
            }
        Assert.InRange(dropped, 10, 38);
        graph.Forward();
        Assert.NotEqual(first, y.Value.Data);

        // The same seed draws the same masks; inference drops nothing.
        var again = Run(Identity(11), CallMode.Training, out var graph2);
        graph2.Forward();
        Assert.Equal(first, again.Value.Data);
        var inference = Run(Identity(11), CallMode.Inference, out var graph3);
        graph3.Forward();
        Assert.All(inference.Value.Data, v => Assert.Equal(1f, v));
    }

    [Fact]
    public void InferenceIgnoresDropoutAndRecurrentDropout()
    {
        var x = TestSupport.Random(3, 1, 4, 6, 3);
        float[] Output(Layer layer)
        {
            layer.Build([-1, 6, 3], new RandomGenerator(9));
            var graph = new Graph();
            var input = graph.Input([4, 6, 3]);
            input.Set(x);
            var y = layer.Call(input, CallMode.Inference);
            graph.Forward();
            return y.Value.Data.ToArray();
        }
        Assert.Equal(Output(new LSTM(5)), Output(new LSTM(5, dropout: 0.5, recurrentDropout: 0.5)));
        Assert.Equal(Output(new GRU(5)), Output(new GRU(5, dropout: 0.5, recurrentDropout: 0.5)));
    }

    [Fact]
    public void AModelFileRoundTripsAndMonteCarloDropoutWorksThroughTheLayers()
    {
        var model = new Sequential([
            new InputLayer([-1, 6, 3]),
            new LSTM(5, returnSequences: true, dropout: 0.2, recurrentDropout: 0.3),
            new Bidirectional(new LSTM(3, returnSequences: true, dropout: 0.2), "mul"),
            new GRU(new GRUConfig { Units = 4, ResetAfter = false, GoBackwards = true, RecurrentDropout = 0.3 }),
            new Dense(2),
        ], seed: 4);
        var x = TestSupport.Random(5, 1, 10, 6, 3);
        var expected = model.Predict(x);
        string path = Path.Combine(_dir.FullName, "rnn.strata");
        model.Save(path);
        var loaded = Sequential.Load(path);
        Assert.Equal(expected.Data, loaded.Predict(x).Data);
        Assert.Equal(model.Layers.Select(l => l.GetConfig().ToJsonString()), loaded.Layers.Select(l => l.GetConfig().ToJsonString()));

        var mc = model.Predict(x, mcSamples: 8, seed: 1);
        Assert.Equal(mc.Mean.Data, model.Predict(x, mcSamples: 8, seed: 1).Mean.Data);
        Assert.Contains(mc.StandardDeviation.Data, s => s > 1e-4);
    }

    /// <summary>
    /// The task needs memory: the target is the first step's feature, which only the state carries to the
    /// last step; predicting 0 scores about 1 (unit-variance targets), and the dropout keeps the training loss off 0.
    /// </summary>
    [Theory]
    [InlineData("SimpleRNN")]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    [InlineData("WeightDropLSTM")]
    public void EachLayerLearnsToRememberTheFirstStep(string kind)
    {
        var x = TestSupport.Random(6, 1, 256, 4, 1);
        var y = new Tensor(256, 1);
        for (int i = 0; i < 256; i++) y.Data[i] = x.Data[i * 4];
        Strata.Layers.Layer recurrent = kind switch
        {
            "SimpleRNN" => new SimpleRNN(8),
            "LSTM" => new LSTM(8, recurrentDropout: 0.1),
            "WeightDropLSTM" => new WeightDropLSTM(8, 0.2),
            _ => new GRU(8, dropout: 0.1),
        };
        var model = new Sequential([new InputLayer([-1, 4, 1]), recurrent, new Dense(1)], seed: 2);
        model.Compile(new Strata.Training.Optimizers.Adam(0.02), new Strata.Training.Losses.MeanSquaredError());
        var history = model.Fit(x, y, batchSize: 32, epochs: 40);
        Assert.True(history["loss"][^1] < 0.25, $"final loss {history["loss"][^1]}");
    }
}
