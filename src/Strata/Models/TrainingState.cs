using System.Text.Json.Nodes;
using Strata.Training;

namespace Strata.Models;

/// <summary>
/// Everything a fit needs to continue exactly where it was after <see cref="Epoch"/> epochs: the
/// variables, the optimizer's step count, learning rate and state buffers, the shuffling
/// generator and the row order it permutes, each dropout stream's position, the history so far, each
/// callback's state, and whether a callback had stopped the fit. Taken by
/// <see cref="FitLoop.CaptureTrainingState(int)"/> and given back through Fit's <c>resume</c>.
/// </summary>
/// <param name="Epoch">Epochs finished when the state was taken.</param>
/// <param name="Stopped">Whether a callback had asked the fit to stop (<see cref="FitLoop.StopTraining"/>).</param>
/// <param name="Weights">The variables' values, in <see cref="Sequential.Variables"/> order.</param>
/// <param name="Iterations">The optimizer's step count.</param>
/// <param name="LearningRate">The optimizer's learning rate, as callbacks left it.</param>
/// <param name="OptimizerSlots">The optimizer's state buffers by variable path.</param>
/// <param name="Shuffle">The shuffling generator's state.</param>
/// <param name="Order">The row order the next epoch's shuffle permutes.</param>
/// <param name="Streams">Each random stream's seed and position, in layer order.</param>
/// <param name="History">The epochs recorded so far.</param>
/// <param name="Callbacks">Each callback's state with its class name, or null for a stateless one.</param>
public sealed record TrainingState(
    int Epoch,
    bool Stopped,
    float[][] Weights,
    long Iterations,
    double LearningRate,
    Dictionary<string, float[][]> OptimizerSlots,
    ulong[] Shuffle,
    int[] Order,
    (ulong Seed, ulong Step)[] Streams,
    History History,
    JsonObject?[] Callbacks);
