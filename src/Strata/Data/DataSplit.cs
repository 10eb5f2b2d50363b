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

    /// <summary>
    /// Holds out round(groups · fraction) whole groups for validation (as scikit-learn's
    /// GroupShuffleSplit), so rows that share a group (the same artist, patient or session) never sit
    /// on both sides. Groups are shuffled by a generator seeded with <paramref name="seed"/>.
    /// </summary>
    public static (Tensor TrainX, Tensor TrainY, Tensor ValidationX, Tensor ValidationY) GroupedTrainValidation(
        Tensor x, Tensor y, IReadOnlyList<string> groups, double validationFraction, int seed)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new StrataException($"Expected validation_split between 0 and 1 (exclusive). Received: {validationFraction}");
        int rows = x.Dim(0);
        if (groups.Count != rows) throw new StrataException($"Expected one group per row: {rows} rows but {groups.Count} groups.");
        var distinct = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var groupOfRow = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            if (!index.TryGetValue(groups[r], out int g)) { g = distinct.Count; index[groups[r]] = g; distinct.Add(groups[r]); }
            groupOfRow[r] = g;
        }
        int held = (int)Math.Round(distinct.Count * validationFraction, MidpointRounding.AwayFromZero);
        if (held == 0 || held == distinct.Count)
            throw new StrataException($"A validation fraction of {validationFraction} leaves no groups for {(held == 0 ? "validation" : "training")} out of {distinct.Count}.");
        var order = new int[distinct.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        new RandomGenerator((ulong)seed).Shuffle(order);
        var isValidation = new bool[distinct.Count];
        foreach (int g in order.AsSpan(distinct.Count - held)) isValidation[g] = true;
        var train = Enumerable.Range(0, rows).Where(r => !isValidation[groupOfRow[r]]).ToArray();
        var validation = Enumerable.Range(0, rows).Where(r => isValidation[groupOfRow[r]]).ToArray();
        return (x.GatherRows(train), y.GatherRows(train), x.GatherRows(validation), y.GatherRows(validation));
    }
}
