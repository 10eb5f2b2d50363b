using Strata.Tensors;

namespace Strata.Data;

/// <summary>Seeded train/validation splits.</summary>
public static class DataSplit
{
    /// <summary>
    /// Shuffles the row indices with a generator seeded by <paramref name="seed"/> and holds out
    /// round(rows · fraction) of them for validation; the same seed always gives the same split.
    /// </summary>
    public static (Tensor TrainX, Tensor TrainY, Tensor ValidationX, Tensor ValidationY) TrainValidation(
        Tensor x, Tensor y, double validationFraction, int seed)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new StrataException($"Expected validation_split between 0 and 1 (exclusive). Received: {validationFraction}");
        int rows = x.Dim(0);
        int validation = (int)Math.Round(rows * validationFraction, MidpointRounding.AwayFromZero);
        if (validation == 0 || validation == rows)
            throw new StrataException($"A validation fraction of {validationFraction} leaves no rows for {(validation == 0 ? "validation" : "training")} out of {rows}.");
        var order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        new RandomGenerator((ulong)seed).Shuffle(order);
        var train = order.AsSpan(0, rows - validation);
        var held = order.AsSpan(rows - validation);
        return (x.GatherRows(train), y.GatherRows(train), x.GatherRows(held), y.GatherRows(held));
    }
}
