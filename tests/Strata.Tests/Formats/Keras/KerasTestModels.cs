using Strata.Layers.ActivationLayers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Recurrent;
using Strata.Layers.Pooling;
using Strata.Layers.Regularization;
using Strata.Layers.Reshaping;
using Strata.Models;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Formats.Keras;

/// <summary>Models that hold every Keras layer Strata has, with weights away from their initial values, for the writer and round-trip tests.</summary>
internal static class KerasTestModels
{
    public static TheoryData<string> Names => ["image", "sequence", "table", "pooled", "volume", "recurrent", "words"];

    public static Sequential Model(string name)
    {
        var model = name switch
        {
            "image" => new Sequential([
                new InputLayer([-1, 8, 8, 3]), new ZeroPadding2D(1, 1, 1, 1), new Conv2D(4, [3, 3], activation: "relu"),
                new DepthwiseConv2D([3, 3]), new BatchNormalization(), new PReLU(), new MaxPooling2D([2, 2]), new SpatialDropout2D(0.1),
                new AveragePooling2D([1, 1]), new GroupNormalization(2), new GaussianNoise(0.1), new ReLU(), new Flatten(),
                new Dense(6), new LeakyReLU(0.1), new Dropout(0.2), new Dense(2, "softmax"),
            ], seed: 1),
            "sequence" => new Sequential([
                new InputLayer([-1, 6, 3]), new Conv1D(4, 2), new MaxPooling1D([2]), new AveragePooling1D([1]), new SpatialDropout1D(0.1),
                new LayerNormalization(), new GlobalAveragePooling1D(), new Dense(4),
            ], seed: 2),
            "table" => new Sequential([
                new InputLayer([-1, 4]), new Normalization(mean: [1, 2, 3, 4], variance: [1, 4, 0.25f, 2]),
                new Dense(6, "tanh"), new GaussianDropout(0.1), new AlphaDropout(0.1), new ELU(), new Reshape([2, 3]),
                new GlobalMaxPooling1D(), new Activation("relu"), new Dense(3), new Softmax(),
            ], seed: 3),
            "recurrent" => new Sequential([
                new InputLayer([-1, 5, 3]), new SimpleRNN(4, returnSequences: true), new LSTM(4, returnSequences: true),
                new GRU(3, returnSequences: true, resetAfter: false), new GRU(3), new Dense(2),
            ], seed: 6),
            "words" => new Sequential([
                new InputLayer([-1, 6]), new Embedding(7, 4, maskZero: true), new LSTM(3, returnSequences: true),
                new GlobalAveragePooling1D(), new Dense(2),
            ], seed: 7),
            "volume" => new Sequential([new InputLayer([-1, 2, 3, 3, 2]), new SpatialDropout3D(0.2), new Flatten(), new Dense(2)], seed: 5),
            _ => new Sequential([new InputLayer([-1, 5, 5, 2]), new Conv2D(3, [2, 2]), new GlobalMaxPooling2D(keepDims: true), new GlobalAveragePooling2D()], seed: 4),
        };
        // Distinct values in every variable, so a swapped or transposed weight shows.
        var random = new RandomGenerator(11);
        foreach (var v in model.Variables)
            for (int i = 0; i < v.Value.Size; i++) v.Value.Data[i] = (float)(random.NextDouble() + 0.25);
        return model;
    }

    /// <summary>The cell Keras keeps a recurrent layer's variables on (Keras's own cell names), or null for any other layer.</summary>
    public static string? Cell(string className) => className switch
    {
        "SimpleRNN" => "simple_rnn_cell",
        "LSTM" => "lstm_cell",
        "GRU" => "gru_cell",
        _ => null,
    };

    /// <summary>An input of <paramref name="model"/>'s shape with <paramref name="rows"/> rows of values in [-1, 1).</summary>
    public static Tensor Input(Sequential model, int rows = 3, ulong seed = 7)
    {
        int[] shape = [rows, .. model.InputShape!.Skip(1)];
        var random = new RandomGenerator(seed);
        var data = new float[shape.Aggregate(1, (a, b) => a * b)];
        // An Embedding reads word indices (0, the padding, included), any other first layer values in [-1, 1).
        int words = model.Layers[0] is Embedding embedding ? embedding.InputDim : 0;
        for (int i = 0; i < data.Length; i++) data[i] = words > 0 ? random.NextInt(words) : (float)(random.NextDouble() * 2 - 1);
        return new Tensor(shape, data);
    }
}
