using System.Text.Json.Nodes;

namespace Strata.Layers.Normalization;

/// <summary>
/// Bounds for Batch Renormalization's corrections: r = σ_B/σ is clipped to [rmin, rmax] and
/// d = (μ_B − μ)/σ to [−dmax, dmax]; a null bound leaves that side free. Ioffe (2017) starts from
/// rmax = 1, dmax = 0 (plain batch norm) and relaxes to about rmax = 3, dmax = 5 (rmin = 1/rmax).
/// </summary>
public sealed record RenormClipping(double? RMin = null, double? RMax = null, double? DMax = null)
{
    /// <summary>The Keras form: {"rmin", "rmax", "dmax"}.</summary>
    public JsonObject ToConfig() => new() { ["rmin"] = RMin, ["rmax"] = RMax, ["dmax"] = DMax };

    /// <summary>Reads the Keras form; <paramref name="argument"/> places errors.</summary>
    public static RenormClipping FromConfig(JsonNode? node, string argument)
    {
        if (node is null) return new RenormClipping();
        if (node is not JsonObject o)
            throw new StrataException($"{argument} must be an object with rmin, rmax, dmax. Received: {node.ToJsonString()}");
        foreach (var (key, _) in o)
            if (key is not ("rmin" or "rmax" or "dmax"))
                throw new StrataException($"Received invalid keys for {argument}: '{key}'. Supported keys: rmin, rmax, dmax.");
        double? Read(string key) => o[key] is null ? null : ConfigReader.Number(o[key])
            ?? throw new StrataException($"'{key}' in {argument} must be a number.");
        var clipping = new RenormClipping(Read("rmin"), Read("rmax"), Read("dmax"));
        if (clipping.RMin > clipping.RMax || clipping.DMax < 0 || clipping.RMax <= 0)
            throw new StrataException($"{argument} needs 0 < rmin <= rmax and dmax >= 0. Received: {o.ToJsonString()}");
        return clipping;
    }
}
