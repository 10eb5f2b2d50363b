using Strata.Tensors;

namespace Strata.Data;

/// <summary>
/// An image classification set: images [N, height, width, channels] scaled to [0, 1] and labels
/// [N, 1] holding class indices, split into training and test parts as published.
/// </summary>
public sealed record ImageDataset(string Name, Tensor TrainImages, Tensor TrainLabels, Tensor TestImages, Tensor TestLabels, IReadOnlyList<string> ClassNames);
