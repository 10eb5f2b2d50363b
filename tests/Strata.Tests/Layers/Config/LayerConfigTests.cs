using System.Text.Json.Nodes;
using Strata.Layers;
using Strata.Layers.Convolutional;
using Strata.Layers.Core;
using Strata.Layers.Normalization;
using Strata.Layers.Pooling;
using Strata.Layers.Reshaping;
using Xunit;
using NormalizationLayer = Strata.Layers.Normalization.Normalization;

namespace Strata.Tests.Layers.Config;

/// <summary>
/// The config records of the layers: what they write (Keras's keys and defaults, typed out here by
/// hand from Keras's documentation), that reading gives back the same config, that an unknown key
/// names the closest known one, and that Keras's other spellings read.
/// </summary>
public class LayerConfigTests
{
    private const string Glorot = """{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}}""";
    private const string Zeros = """{"module": "keras.initializers", "class_name": "Zeros", "config": {}}""";
    private const string Ones = """{"module": "keras.initializers", "class_name": "Ones", "config": {}}""";
    private const string Common = """ "name": "l", "trainable": true, "dtype": "float32" """;
    private const string Gamma = $$""" "center": true, "scale": true, "beta_initializer": {{Zeros}}, "beta_regularizer": null, "beta_constraint": null, "gamma_initializer": {{Ones}}, "gamma_regularizer": null, "gamma_constraint": null """;

    public static IEnumerable<object[]> Written() =>
    [
        [(Func<Layer>)(() => new Conv2D(4, 3, padding: "same", activation: "relu", name: "l")), $$"""
            { {{Common}}, "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1],
              "groups": 1, "activation": "relu", "use_bias": true, "kernel_initializer": {{Glorot}}, "bias_initializer": {{Zeros}}, "kernel_regularizer": null,
              "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null }
            """],
        [(Func<Layer>)(() => new Conv1D(3, 3, padding: "causal", dilationRate: 2, useBias: false, name: "l")), $$"""
            { {{Common}}, "filters": 3, "kernel_size": [3], "strides": [1], "padding": "causal", "data_format": "channels_last", "dilation_rate": [2],
              "groups": 1, "activation": "linear", "use_bias": false, "kernel_initializer": {{Glorot}}, "bias_initializer": {{Zeros}}, "kernel_regularizer": null,
              "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null }
            """],
        [(Func<Layer>)(() => new DepthwiseConv2D([2, 3], strides: [2, 2], depthMultiplier: 2, name: "l")), $$"""
            { {{Common}}, "kernel_size": [2, 3], "strides": [2, 2], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1],
              "depth_multiplier": 2, "activation": "linear", "use_bias": true, "depthwise_initializer": {{Glorot}}, "bias_initializer": {{Zeros}},
              "depthwise_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "depthwise_constraint": null, "bias_constraint": null }
            """],
        [(Func<Layer>)(() => new MaxPooling2D(name: "l")),
            $$"""{ {{Common}}, "pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last" }"""],
        [(Func<Layer>)(() => new AveragePooling1D([3], [2], "same", "l")),
            $$"""{ {{Common}}, "pool_size": [3], "padding": "same", "strides": [2], "data_format": "channels_last" }"""],
        [(Func<Layer>)(() => new GlobalMaxPooling2D(keepDims: true, name: "l")), $$"""{ {{Common}}, "data_format": "channels_last", "keepdims": true }"""],
        [(Func<Layer>)(() => new LayerNormalization([1, 2], rmsScaling: true, name: "l")),
            $$"""{ {{Common}}, "axis": [1, 2], "epsilon": 0.001, "rms_scaling": true, {{Gamma}} }"""],
        [(Func<Layer>)(() => new GroupNormalization(groups: 4, name: "l")), $$"""{ {{Common}}, "groups": 4, "axis": -1, "epsilon": 0.001, {{Gamma}} }"""],
        // The statistics are weights, so a layer given them writes none in its config.
        [(Func<Layer>)(() => new NormalizationLayer(mean: [1, 2], variance: [4, 1], name: "l")),
            $$"""{ {{Common}}, "axis": -1, "invert": false, "mean": null, "variance": null }"""],
        [(Func<Layer>)(() => new ZeroPadding2D(1, 2, 0, 3, "l")), $$"""{ {{Common}}, "padding": [[1, 2], [0, 3]], "data_format": "channels_last" }"""],
        [(Func<Layer>)(() => new Activation("elu", "l")), $$"""{ {{Common}}, "activation": "elu" }"""],
        [(Func<Layer>)(() => new Flatten("l")), $$"""{ {{Common}}, "data_format": "channels_last" }"""],
        // -1 in a target shape is a size to infer, written as Keras writes it; in a batch shape it is None.
        [(Func<Layer>)(() => new Reshape([3, -1], "l")), $$"""{ {{Common}}, "target_shape": [3, -1] }"""],
        [(Func<Layer>)(() => new InputLayer([-1, 5, 2], "l")), """{ "name": "l", "dtype": "float32", "batch_shape": [null, 5, 2], "sparse": false }"""],
    ];

    [Theory]
    [MemberData(nameof(Written))]
    public void WritesKerasKeysAndReadsThemBack(Func<Layer> create, string expected)
    {
        var layer = create();
        var config = layer.GetConfig();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(config.ToJsonString())), config.ToJsonString());
        var copy = LayerRegistry.FromConfig(new JsonObject { ["class_name"] = layer.ClassName, ["config"] = config.DeepClone() }, 0);
        Assert.IsType(layer.GetType(), copy);
        Assert.Equal(config.ToJsonString(), copy.GetConfig().ToJsonString());
    }

    [Fact]
    public void ABatchNormalizationAxisListKeepsItsNegativeEntries()
    {
        var config = new BatchNormalization(new() { Axis = [1, -1] }).GetConfig();
        Assert.Equal("[1,-1]", config["axis"]!.ToJsonString());
    }

    [Theory]
    [InlineData("Conv2D", """{"filters": 2, "kernel_size": 3, "kernel_sise": 3}""", "kernel_sise", "kernel_size")]
    [InlineData("Conv1D", """{"filters": 2, "kernel_size": 3, "dilation_rates": 2}""", "dilation_rates", "dilation_rate")]
    [InlineData("DepthwiseConv2D", """{"kernel_size": 3, "depth_multipler": 2}""", "depth_multipler", "depth_multiplier")]
    [InlineData("MaxPooling2D", """{"pool_sizes": 2}""", "pool_sizes", "pool_size")]
    [InlineData("AveragePooling1D", """{"stride": 2}""", "stride", "strides")]
    [InlineData("GlobalAveragePooling2D", """{"keep_dims": true}""", "keep_dims", "keepdims")]
    [InlineData("LayerNormalization", """{"rms_scale": true}""", "rms_scale", "rms_scaling")]
    [InlineData("GroupNormalization", """{"group": 4}""", "group", "groups")]
    [InlineData("Normalization", """{"invrt": true}""", "invrt", "invert")]
    [InlineData("ZeroPadding2D", """{"paddings": 1}""", "paddings", "padding")]
    [InlineData("Activation", """{"activation": "relu", "activaton": "relu"}""", "activaton", "activation")]
    [InlineData("Flatten", """{"data_fromat": "channels_last"}""", "data_fromat", "data_format")]
    [InlineData("Reshape", """{"target_shape": [2], "targetshape": [2]}""", "targetshape", "target_shape")]
    [InlineData("InputLayer", """{"batch_shape": [null, 2], "sparce": false}""", "sparce", "sparse")]
    public void AnUnknownKeyIsAnErrorNamingTheClosestKey(string className, string config, string unknown, string closest)
    {
        var node = new JsonObject { ["class_name"] = className, ["config"] = JsonNode.Parse(config)!.AsObject() };
        node["config"]!["name"] = "l";
        var e = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(node, 0));
        Assert.Contains($"Unknown argument '{unknown}' of {className} layer 'l' (did you mean '{closest}'?)", e.Message);
    }

    private static T Read<T>(string className, string config) where T : Layer =>
        Assert.IsType<T>(LayerRegistry.FromConfig(JsonNode.Parse($$"""{"class_name": "{{className}}", "config": {{config}}}"""), 0));

    [Fact]
    public void KerassOtherSpellingsRead()
    {
        // One integer stands for every spatial axis, as Keras accepts kernel_size=3.
        var conv = Read<Conv2D>("Conv2D", """{"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}""");
        Assert.Equal([3, 3], conv.KernelSize);
        Assert.Equal([2, 2], conv.Strides);
        Assert.Equal(Padding.Same, conv.Padding);
        Assert.Equal([2], Read<Conv1D>("Conv1D", """{"filters": 2, "kernel_size": [2], "dilation_rate": 1}""").KernelSize);
        var pool = Read<MaxPooling2D>("MaxPooling2D", """{"pool_size": 3}""");
        Assert.Equal([3, 3], pool.Strides);
        Assert.Equal([1, 2], Read<AveragePooling2D>("AveragePooling2D", """{"pool_size": [2, 2], "strides": [1, 2]}""").Strides);
        // Keras 2 wrote batch_input_shape.
        Assert.Equal([-1, 4, 3], Read<InputLayer>("InputLayer", """{"batch_input_shape": [null, 4, 3]}""").BatchShape);
        var rows = Read<ZeroPadding2D>("ZeroPadding2D", """{"padding": [1, 2]}""");
        Assert.Equal((1, 1, 2, 2), (rows.Top, rows.Bottom, rows.Left, rows.Right));
        var all = Read<ZeroPadding2D>("ZeroPadding2D", """{"padding": 3}""");
        Assert.Equal((3, 3, 3, 3), (all.Top, all.Bottom, all.Left, all.Right));
        // Keras 3 writes Normalization's axis as a list; a mean may be one number.
        var normalization = Read<NormalizationLayer>("Normalization", """{"axis": [-1], "mean": 0.5, "variance": 4}""");
        Assert.Equal(-1, normalization.Axis);
        normalization.Build([-1, 1], new Strata.Tensors.RandomGenerator(0));
        Assert.Equal([0.5f], normalization.Mean!.Value.Data);
        Assert.Equal(2, Read<GroupNormalization>("GroupNormalization", """{"groups": 2, "axis": 2}""").Axis);
        Assert.Equal([2, 3], Read<LayerNormalization>("LayerNormalization", """{"axis": [2, 3]}""").Axis);
    }

    [Theory]
    [InlineData("Conv2D", """{"name": "l", "filters": 2, "kernel_size": 3, "padding": "full"}""", "argument 'padding' of Conv2D layer 'l'")]
    [InlineData("Conv2D", """{"name": "l", "filters": 2, "kernel_size": 3, "padding": "causal"}""", "Invalid argument 'padding' of Conv2D layer 'l'")]
    [InlineData("Conv2D", """{"name": "l", "kernel_size": 3}""", "Conv2D layer 'l' needs 'filters'")]
    [InlineData("MaxPooling2D", """{"name": "l", "pool_size": [2, 0]}""", "Invalid argument 'pool_size' of MaxPooling2D layer 'l'")]
    [InlineData("Flatten", """{"name": "l", "data_format": "channels_first"}""", "Invalid argument 'data_format' of Flatten layer 'l'")]
    [InlineData("ZeroPadding2D", """{"name": "l", "padding": [[1], [2, 3]]}""", "argument 'padding' of ZeroPadding2D layer 'l'")]
    [InlineData("InputLayer", """{"name": "l", "batch_shape": [null, 3], "sparse": true}""", "argument 'sparse' of InputLayer layer 'l' is not supported")]
    [InlineData("Normalization", """{"name": "l", "axis": [1, 2]}""", "Invalid argument 'axis' of Normalization layer 'l'")]
    public void ABadValueInAFileIsAnErrorNamingTheKey(string className, string config, string expected)
    {
        var e = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse($$"""{"class_name": "{{className}}", "config": {{config}}}"""), 0));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ABadArgumentInCodeIsAnArgumentExceptionNamingIt()
    {
        Assert.Equal("padding", Assert.Throws<ArgumentException>(() => new Conv2D(2, 3, padding: "full")).ParamName);
        Assert.Equal("kernel_size", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(2, [3, 3, 3])).ParamName);
        Assert.Equal("depth_multiplier", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthwiseConv2D([3], depthMultiplier: 0)).ParamName);
        Assert.Equal("pool_size", Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPooling1D([0])).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new LayerNormalization(epsilon: 0)).ParamName);
        Assert.Equal("groups", Assert.Throws<ArgumentOutOfRangeException>(() => new GroupNormalization(groups: 0)).ParamName);
        Assert.Equal("mean", Assert.Throws<ArgumentOutOfRangeException>(() => new NormalizationLayer(mean: [1])).ParamName);
        Assert.Equal("padding", Assert.Throws<ArgumentOutOfRangeException>(() => new ZeroPadding2D(top: -1)).ParamName);
        Assert.Equal("target_shape", Assert.Throws<ArgumentOutOfRangeException>(() => new Reshape([2, -1, -1])).ParamName);
        Assert.Equal("batch_shape", Assert.Throws<ArgumentOutOfRangeException>(() => new InputLayer([-1, 0])).ParamName);
        Assert.Contains("Unknown activation", Assert.Throws<ArgumentException>(() => new Activation("swishy")).Message);
    }

    [Fact]
    public void TfKerasSyncBatchNormalizationLoadsAsSynchronizedBatchNormalization()
    {
        // The config tf.keras 2 writes for tf.keras.layers.experimental.SyncBatchNormalization: BatchNormalization's keys.
        var node = JsonNode.Parse("""{"class_name": "SyncBatchNormalization", "config": {"name": "sync_bn", "axis": -1, "momentum": 0.9, "epsilon": 0.001, "center": true, "scale": true}}""");
        var layer = Assert.IsType<BatchNormalization>(LayerRegistry.FromConfig(node, 0));
        Assert.True(layer.Config.Synchronized);
        Assert.Equal(0.9, layer.Config.Momentum);
        Assert.Equal("BatchNormalization", layer.ClassName);
        Assert.True(layer.GetConfig()["synchronized"]!.GetValue<bool>());
        var e = Assert.Throws<StrataException>(() => LayerRegistry.FromConfig(JsonNode.Parse("""{"class_name": "SyncBatchNormalization", "config": {"momentun": 0.9}}"""), 0));
        Assert.Contains("momentum", e.Message);
    }
}
