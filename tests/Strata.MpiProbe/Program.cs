// Run by the distributed tests under mpirun: each rank exchanges known values through Open MPI and
// prints what it received, one JSON object per rank.
using System.Text.Json;
using Strata.Distributed;

using var mpi = OpenMpiCommunicator.Create();
int rank = mpi.Rank, size = mpi.Size;

var gathered = new double[2 * size];
mpi.AllGather([rank, 10.0 * rank + 0.5], gathered);

float[] sum = [rank + 1f, 0.1f * rank, 1e-8f];
mpi.AllReduceSum(sum);

// Rank r sends 100r + j to rank j.
float[] sent = [.. Enumerable.Range(0, size).Select(j => 100f * rank + j)], received = new float[size];
mpi.AllToAll(sent, received);

// Longer than one exchange piece and not a multiple of the ranks: value i of rank r is r + i mod 7.
var large = new float[3_000_001];
for (int i = 0; i < large.Length; i++) large[i] = rank + i % 7;
mpi.AllReduceSum(large);
int largeWrong = Enumerable.Range(0, large.Length).Count(i => large[i] != size * (size - 1) / 2 + size * (i % 7));

// Integer sums longer than one exchange piece: value i of rank r is r·2^40 + i, and 2^62 on every rank wraps.
var integers = new long[1_100_003];
for (int i = 0; i < integers.Length; i++) integers[i] = ((long)rank << 40) + i;
integers[7] = 1L << 62;
mpi.AllReduceSum(integers.AsSpan());
long ranksPart = (long)size * (size - 1) / 2 << 40;
int integersWrong = Enumerable.Range(0, integers.Length).Count(i => integers[i] != (i == 7 ? unchecked(size * (1L << 62)) : ranksPart + (long)size * i));

double[] maxima = [rank, -rank, rank == 1 ? double.NaN : 0];
mpi.AllReduceMax(maxima);

// Rank r holds r + 1 rows of one channel, 10r + j for j = 0..r, except the last rank, which holds none.
int rows = rank == size - 1 ? 0 : rank + 1;
double[] values = [.. Enumerable.Range(0, rows).Select(j => 10.0 * rank + j)];
double mean = rows == 0 ? 0 : values.Average();
double squares = values.Sum(v => (v - mean) * (v - mean));
double[] means = [mean], deviations = [squares];
long count = SynchronizedMoments.AllMerge(mpi, rows, means, deviations);

mpi.Barrier();
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["rank"] = rank, ["size"] = size, ["gathered"] = gathered, ["sum"] = sum, ["received"] = received, ["large_wrong"] = largeWrong, ["integers_wrong"] = integersWrong,
    ["maxima"] = maxima,
    ["count"] = count, ["mean"] = means[0], ["squared_deviations"] = deviations[0],
}, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
