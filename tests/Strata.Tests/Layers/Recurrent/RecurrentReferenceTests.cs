using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Recurrent;
using Strata.Tensors;
using Xunit;

namespace Strata.Tests.Layers.Recurrent;

/// <summary>
/// SimpleRNN, LSTM and GRU against PyTorch's nn.RNN, nn.LSTM and nn.GRU, their weights mapped to Keras's
/// layout (Fixtures/recurrent/generate_recurrent_fixtures.py).
/// </summary>
public class RecurrentReferenceTests
{
    private static readonly Lazy<JsonObject> Cases = new(() => (JsonObject)JsonNode.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "recurrent", "recurrent.json")))!["cases"]!);

    public static IEnumerable<object[]> CaseNames() =>
    [
        ["SimpleRNN"], ["SimpleRNN_sequences"], ["SimpleRNN_backwards"], ["SimpleRNN_backwards_sequences"],
        ["LSTM"], ["LSTM_sequences"], ["LSTM_backwards"], ["LSTM_backwards_sequences"],
        ["GRU"], ["GRU_sequences"], ["GRU_backwards"], ["GRU_backwards_sequences"],
    ];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string name)
    {
        var fixture = (JsonObject)Cases.Value[name]!;
        int units = fixture["units"]!.GetValue<int>();
        bool backwards = fixture["go_backwards"]!.GetValue<bool>(), sequences = fixture["return_sequences"]!.GetValue<bool>();
        Layer layer = fixture["layer"]!.GetValue<string>() switch
        {
            "SimpleRNN" => new SimpleRNN(new SimpleRNNConfig { Units = units, GoBackwards = backwards, ReturnSequences = sequences }),
            "LSTM" => new LSTM(new LSTMConfig { Units = units, GoBackwards = backwards, ReturnSequences = sequences }),
            _ => new GRU(new GRUConfig { Units = units, GoBackwards = backwards, ReturnSequences = sequences }),
        };
        var xShape = TestSupport.Ints(fixture["x_shape"]);
        layer.Name = "rnn";
        layer.Build([-1, xShape[1], xShape[2]], new RandomGenerator(1));
        foreach (var variable in layer.Variables)
        {
            Assert.Equal(TestSupport.Ints(fixture[$"{variable.Name}_shape"]), variable.Value.ShapeArray());
            TestSupport.Floats(fixture[variable.Name]).CopyTo(variable.Value.Data, 0);
        }

        var graph = new Graph();
        var input = graph.Input(xShape);
        input.Set(new Tensor(xShape, TestSupport.Floats(fixture["x"])));
        var y = layer.Call(input, CallMode.Inference);
        graph.Forward();
        Assert.Equal(TestSupport.Ints(fixture["y_shape"]), y.Value.ShapeArray());
        TestSupport.AssertClose(TestSupport.Floats(fixture["y"]), y.Value.Data, 1e-5, name);
    }
}
