using System.Text.Json.Nodes;
using Strata.Cli;

namespace Strata.Tests.Cli;

/// <summary>Runs the strata command in-process, and writes the small Red Wine spec the command tests train.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandLine.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The Red Wine example with 32-unit layers and an absolute data path, so it trains in a moment from any folder.</summary>
    public static JsonObject SmallRedWineSpec(int? epochs = null)
    {
        var spec = RedWineSpec(epochs);
        foreach (var layer in spec["model"]!["config"]!["layers"]!.AsArray())
            if (layer!["config"]!["units"]?.GetValue<int>() == 1024) layer["config"]!["units"] = 32;
        return spec;
    }

    /// <summary>The Fashion-MNIST example with 4 filters and 16 units, reading the sample in data/, so it trains in a moment.</summary>
    public static JsonObject SmallFashionSpec()
    {
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(TestSupport.RepositoryRoot, "examples", "fashion-cnn-spatial.json")))!.AsObject();
        spec["data"]!["path"] = FashionSample;
        // A narrower network keeps the tests quick; the layer sequence is the example's.
        foreach (var layer in spec["model"]!["config"]!["layers"]!.AsArray())
        {
            var config = layer!["config"]!;
            if (config["filters"] is not null) config["filters"] = 4;
            if (layer["class_name"]!.GetValue<string>() == "Dense" && config["units"]!.GetValue<int>() == 512) config["units"] = 16;
        }
        return spec;
    }

    /// <summary>The Fashion-MNIST sample shipped in data/: 500 or more training and 200 test images.</summary>
    public static string FashionSample => Path.Combine(TestSupport.RepositoryRoot, "data", "fashion-mnist-sample");

    /// <summary>The Red Wine example as shipped, with an absolute data path.</summary>
    public static JsonObject RedWineSpec(int? epochs = null)
    {
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(TestSupport.RepositoryRoot, "examples", "red-wine.json")))!.AsObject();
        spec["data"]!["path"] = Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv");
        if (epochs is int e) spec["fit"]!["epochs"] = e;
        return spec;
    }
}
