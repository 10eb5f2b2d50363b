using System.Text.Json.Nodes;
using Strata.Training.Optimizers;

namespace Strata.Models;

public sealed partial class Sequential
{
    /// <summary>
    /// An independent copy of the model, with nothing shared: new layers from the same configs (names,
    /// trainable flags included), the same weights, the same random streams at the same positions and
    /// the same weight-initialization generator, the feature names and metadata, and, when the model
    /// is compiled, the same loss and metrics with a new optimizer of the same class and config that
    /// continues from a copy of this one's state (step count, learning rate, moment buffers). Training
    /// the copy with the same data and seed therefore goes exactly as training the original would, and
    /// changes nothing of the original. Compiled graphs are not copied; the copy builds its own.
    /// Unlike Keras's <c>clone_model</c>, which builds new layers with freshly initialized weights and
    /// leaves the clone uncompiled, this is a copy of the trained model (Keras: clone_model, then
    /// set_weights and compile).
    /// </summary>
    public Sequential Clone()
    {
        var copy = FromConfig(GetConfig(), Seed);
        if (IsBuilt && !copy.IsBuilt) copy.Build(_inputShape!);
        copy._random.SetState(_random.GetState());
        if (IsBuilt)
        {
            copy.SetWeights(GetWeights());
            var streams = _layers.SelectMany(l => l.RandomStreams).ToList();
            var copied = copy._layers.SelectMany(l => l.RandomStreams).ToList();
            if (copied.Count != streams.Count)
                throw new StrataException($"Model '{Name}' has {streams.Count} random streams, but its copy from config has {copied.Count}.");
            for (int i = 0; i < streams.Count; i++) (copied[i].Seed, copied[i].Step) = (streams[i].Seed, streams[i].Step);
        }
        copy.FeatureNames = FeatureNames?.ToArray();
        copy.Metadata = Metadata?.DeepClone().AsObject();
        if (Optimizer is not null && Loss is not null)
        {
            var optimizer = OptimizerRegistry.FromConfig(new JsonObject { ["class_name"] = Optimizer.ClassName, ["config"] = Optimizer.GetConfig() },
                $"the optimizer of model '{Name}'");
            optimizer.LearningRate = Optimizer.LearningRate;
            optimizer.Iterations = Optimizer.Iterations;
            if (IsBuilt) optimizer.SetSlots(copy.Variables, Optimizer.GetSlots(Variables));
            // Losses are immutable (their settings are fixed at construction), so the copy shares this one.
            copy.Compile(optimizer, Loss, MetricNames);
        }
        return copy;
    }
}
