using System.Text.Json.Nodes;
using Strata.Autodiff;
using Strata.Tensors;

namespace Strata.Layers.Core;

/// <summary>
/// A residual block for Sequential models: y = x + branch(x), where the branch is a list of layers
/// whose output has the input's shape. End the branch with
/// <see cref="Strata.Layers.Regularization.StochasticDepth"/> to drop it per sample in training
/// (Huang et al. 2016). The branch's variables are named residual/dense/kernel and so on.
/// </summary>
public sealed class Residual : Layer
{
    private readonly LayerBranch _branch;

    /// <summary>A residual block y = x + branch(x), the branch being the layers of <paramref name="branch"/> in order; unnamed layers get Keras-style names.</summary>
    public Residual(IEnumerable<Layer> branch, string? name = null) : base(name) => _branch = new LayerBranch(branch, "Residual");

    /// <inheritdoc/>
    public override string ClassName => "Residual";

    /// <inheritdoc/>
    public override IReadOnlyList<Layer> Children => _branch.Layers;

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => _branch.ComputeOutputShape(inputShape, Name);

    /// <inheritdoc/>
    protected override void BuildWeights(int[] inputShape, RandomGenerator random) => _branch.Build(inputShape, random);

    /// <inheritdoc/>
    public override Node Call(Node input, CallMode mode) => Ops.Add(input, _branch.Call(input, mode));

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        _branch.WriteConfig(config);
        return config;
    }

    /// <summary>Reads a Residual block from its config: the branch's layer configs under "layers".</summary>
    public static Residual FromConfig(ConfigReader c) => new(LayerBranch.ReadLayers(c, "Residual"), c.Name);
}
