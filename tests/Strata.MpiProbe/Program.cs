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
    ["rank"] = rank, ["size"] = size, ["gathered"] = gathered, ["sum"] = sum,
    ["count"] = count, ["mean"] = means[0], ["squared_deviations"] = deviations[0],
}, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
