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

    /// <summary>The Red Wine example as shipped, with an absolute data path.</summary>
    public static JsonObject RedWineSpec(int? epochs = null)
    {
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(TestSupport.RepositoryRoot, "examples", "red-wine.json")))!.AsObject();
        spec["data"]!["path"] = Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv");
        if (epochs is int e) spec["fit"]!["epochs"] = e;
        return spec;
    }
}
