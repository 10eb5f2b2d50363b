using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Layers;
using Strata.Layers.Core;
using Strata.Models;
using Strata.Tensors;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Layers;

/// <summary>The arguments of <see cref="ScaledProjection"/>: a layer defined outside the library.</summary>
public sealed record ScaledProjectionConfig : LayerConfig
{
    public required int Units { get; init; }

    /// <summary>Read also under its older spelling, "multiplier".</summary>
    [KerasAlias("multiplier")] public double Factor { get; init; } = 2;

    public WeightSettings Kernel { get; init; } = new(Initializer.GlorotUniform());

    public override void Validate() => Require(Units > 0, "units", $"units must be positive. Received: units={Units}");
}

/// <summary>factor · (x · kernel), with no code of its own for saving or loading.</summary>
public sealed class ScaledProjection(ScaledProjectionConfig config) : Layer<ScaledProjectionConfig>(config)
{
    public Variable? Kernel { get; private set; }

    public override int[] ComputeOutputShape(int[] inputShape) => [.. inputShape[..^1], Config.Units];

    protected override void BuildWeights(int[] inputShape, RandomGenerator random) =>
        Kernel = AddWeight("kernel", [inputShape[^1], Config.Units], Config.Kernel, random);

    public override Node Call(Node input, CallMode mode) =>
        Ops.Scale(Ops.MatMul(input, Parameter(input, Kernel!)), (float)Config.Factor);
}

public sealed class UserLayerTests
{
    [Fact]
    public void AUserLayerRoundTripsThroughAModelFileOnceRegistered()
    {
        var dir = Directory.CreateTempSubdirectory("strata-user-layer-");
        try
        {
            var model = new Sequential([new InputLayer([-1, 3]), new ScaledProjection(new() { Units = 2, Factor = 0.5, Name = "projection" })], seed: 4);
            var x = new Tensor([2, 3], [1, 2, 3, -1, 0, 4]);
            var expected = model.Predict(x);
            string path = Path.Combine(dir.FullName, "model.strata");
            model.Save(path);

            var config = model.Layers[0].GetConfig();
            Assert.Equal(2, config["units"]!.GetValue<int>());
            Assert.Equal(0.5, config["factor"]!.GetValue<double>());
            Assert.Equal("GlorotUniform", config["kernel_initializer"]!["class_name"]!.GetValue<string>());

            LayerRegistry.Register<ScaledProjection>();
            var loaded = Sequential.Load(path);
            var layer = Assert.IsType<ScaledProjection>(loaded.Layers[0]);
            Assert.Equal((2, 0.5, "projection"), (layer.Config.Units, layer.Config.Factor, layer.Name));
            Assert.Equal(expected.Data, loaded.Predict(x).Data);
            // factor · (x · kernel) worked by hand from the loaded kernel, [3, 2] row-major.
            var k = layer.Kernel!.Value.Data;
            Assert.Equal(0.5f * (1 * k[1] + 2 * k[3] + 3 * k[5]), expected.Data[1], 5);
            Assert.Equal(0.5f * (-1 * k[0] + 0 * k[2] + 4 * k[4]), expected.Data[2], 5);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void AUserLayersArgumentsAreReadUnderTheirOlderSpellingAndCheckedLikeABuiltInLayers()
    {
        LayerRegistry.Register<ScaledProjection>();
        var layer = (ScaledProjection)LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "ScaledProjection", "config": {"name": "p", "units": 4, "multiplier": 3}}"""), 0);
        Assert.Equal(3, layer.Config.Factor);
        var e = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "ScaledProjection", "config": {"units": 0}}"""), 2));
        Assert.Contains("argument 'units' of ScaledProjection layer 2", e.Message);
        e = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "ScaledProjection", "config": {"units": 1, "factr": 2}}"""), 0));
        Assert.Contains("'factr'", e.Message);
        Assert.Contains("factor", e.Message);
    }

    [Fact]
    public void AnUnregisteredLayerIsRefusedWithTheWayToRegisterIt()
    {
        var e = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "NotALayerOfAnyone", "config": {}}"""), 0));
        Assert.Contains("LayerRegistry.Register", e.Message);
    }
}
