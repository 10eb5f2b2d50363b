using Strata.Tensors;

namespace Strata.Models;

/// <summary>
/// The result of Monte-Carlo dropout: the mean and the standard deviation (over the passes, ÷N)
/// of <see cref="Samples"/> stochastic predictions, each of the model's output shape.
/// </summary>
public sealed record MonteCarloPrediction(Tensor Mean, Tensor StandardDeviation, int Samples);
