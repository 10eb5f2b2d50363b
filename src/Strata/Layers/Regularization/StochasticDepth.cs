using System.Text.Json.Nodes;
using Strata.Autodiff;

namespace Strata.Layers.Regularization;

/// <summary>
/// Stochastic depth (Huang et al. 2016) with torchvision's semantics: put it last in a residual
/// branch (<see cref="Strata.Layers.Core.Residual"/>). In training the branch's output is zeroed
/// with probability <c>rate</c> — per sample in mode "row", for the whole batch in mode "batch" —
/// and otherwise scaled by 1/(1 − rate); at inference it is the identity, so the block computes
/// x + branch(x). PyTorch: torchvision.ops.StochasticDepth(p = rate, mode).
/// </summary>
public sealed class StochasticDepth : StochasticLayer
{
    public StochasticDepth(double rate, string mode = "row", int? seed = null, string? name = null) : base(seed, name)
    {
        Rate = CheckRate(rate);
        if (mode is not ("row" or "batch"))
            throw new StrataException($"Invalid value received for argument `mode`. Expected \"row\" or \"batch\". Received: mode={mode}");
        Mode = mode;
    }

    public override string ClassName => "StochasticDepth";

    public double Rate { get; }

    /// <summary>"row": one draw per sample; "batch": one draw for the whole batch.</summary>
    public string Mode { get; }

    protected override bool IsActive => Rate > 0;

    protected override Node Inject(Node input)
    {
        var noise = new int[input.Shape.Length];
        Array.Fill(noise, 1);
        if (Mode == "row") noise[0] = input.Shape[0];
        return Ops.Dropout(input, (float)Rate, noise, RandomStream);
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        config["mode"] = Mode;
        return config;
    }

    public static StochasticDepth FromConfig(ConfigReader c)
    {
        if (!c.Has("rate")) throw new StrataException($"StochasticDepth layer '{c.Name}' needs 'rate'.");
        return new StochasticDepth(c.Double("rate", 0), c.String("mode", "row")!, c.OptionalInt("seed"), c.Name);
    }
}
