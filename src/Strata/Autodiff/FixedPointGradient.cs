using Strata.Kernels;

namespace Strata.Autodiff;

/// <summary>
/// A parameter's gradient as fixed-point sums over the batch's rows (<see cref="FixedPointSums"/>): entry (i, j) of its
/// rows × columns view is Sums[i·columns + j]·2^−(RowScale[i] + ColumnScale[j]). The parameter's one consumer sets the
/// scales from the whole batch's maxima (the same on every rank) and adds its sums; ranks add their sums up exactly,
/// and each is rounded once into the float gradient the optimizer reads.
/// </summary>
internal sealed class FixedPointGradient
{
    public FixedPointGradient(int rows, int columns)
    {
        Sums = new long[(long)rows * columns];
        RowScale = new int[rows];
        ColumnScale = new int[columns];
    }

    public long[] Sums { get; }

    public int[] RowScale { get; }

    public int[] ColumnScale { get; }

    public void Clear() => Array.Clear(Sums);

    /// <summary>Writes each sum's value, rounded once, into <paramref name="gradient"/>.</summary>
    public void RoundInto(float[] gradient)
    {
        int columns = ColumnScale.Length;
        for (int i = 0; i < RowScale.Length; i++)
            for (int j = 0; j < columns; j++)
            {
                int k = i * columns + j;
                gradient[k] = (float)FixedPointSums.Value(Sums[k], FixedPointSums.Add(RowScale[i], ColumnScale[j]));
            }
    }
}
