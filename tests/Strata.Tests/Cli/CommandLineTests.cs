using System.Globalization;
using System.Text.Json.Nodes;
using Strata.Cli;
using Strata.Data;
using Strata.Models;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Cli;

/// <summary>The strata command end to end, on a small copy of the Red Wine example.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-cli-").FullName;

    public CommandLineTests()
    {
        File.WriteAllText(SpecPath, CliRunner.SmallRedWineSpec(epochs: 3).ToJsonString());
    }

    private string SpecPath => Path.Combine(_dir, "small.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void TrainKeepsACheckpointUnlessToldNotToAndResumesOnlyWhereItStarted()
    {
        string run = Path.Combine(_dir, "ckpt"), plain = Path.Combine(_dir, "plain");
        Assert.Equal(0, Run("train", SpecPath, "--out", run, "--epochs", "1", "--no-lint").Code);
        Assert.True(File.Exists(Path.Combine(run, "checkpoint.strata-state")));
        Assert.Equal(0, Run("train", SpecPath, "--out", plain, "--epochs", "1", "--no-lint", "--checkpoint-every", "0").Code);
        Assert.False(File.Exists(Path.Combine(plain, "checkpoint.strata-state")));
        var (code, stdout, _) = Run("train", SpecPath, "--resume", run, "--epochs", "2", "--no-lint");
        Assert.Equal(0, code);
        Assert.Contains("Resuming after epoch 1", stdout);
        Assert.DoesNotContain("Epoch 1/2", stdout);
        Assert.Contains("Epoch 2/2", stdout);
        var (bad, _, err) = Run("train", SpecPath, "--resume", run, "--out", plain);
        Assert.Equal(2, bad);
        Assert.Contains("name different folders", err);
    }

    [Fact]
    public void TrainWritesHistoryCurvesAndModelAndPredictReproducesPredict()
    {
        string outDir = Path.Combine(_dir, "run");
        var (code, stdout, stderr) = Run("train", SpecPath, "--out", outDir, "--epochs", "2", "--seed", "3");
        Assert.True(code == 0, stderr);
        Assert.Contains("Epoch 2/2", stdout);
        Assert.Contains("val_loss:", stdout);
        var history = File.ReadAllLines(Path.Combine(outDir, "history.csv"));
        Assert.Equal("epoch,loss,val_loss", history[0]);
        Assert.Equal(3, history.Length);
        var svg = File.ReadAllText(Path.Combine(outDir, "learning-curves.svg"));
        Assert.Contains("<svg", svg);
        Assert.Contains(">val_loss<", svg);
        Assert.Contains(">Epoch<", svg);

        string modelPath = Path.Combine(outDir, "model.strata");
        string input = Path.Combine(_dir, "input.csv");
        // Columns in another order: predict picks them by name.
        var lines = File.ReadAllLines(Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv")).Take(21)
            .Select(l => string.Join(';', l.Split(';').Reverse())).ToArray();
        File.WriteAllLines(input, lines);
        string output = Path.Combine(_dir, "out.csv");
        (code, _, stderr) = Run("predict", modelPath, "--input", input, "--output", output);
        Assert.True(code == 0, stderr);
        var predicted = File.ReadAllLines(output);
        Assert.Equal("output_0", predicted[0]);
        Assert.Equal(21, predicted.Length); // the header and one line per input row

        var model = Sequential.Load(modelPath);
        var table = CsvTable.Load(Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv"));
        var expected = model.Predict(table.Split("quality").Features.SliceRows(0, 20));
        Assert.Equal(expected.Data, predicted.Skip(1).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray());
    }

    [Fact]
    public void SameSeedGivesIdenticalHistories()
    {
        Assert.Equal(0, Run("train", SpecPath, "--out", Path.Combine(_dir, "a"), "--seed", "1").Code);
        Assert.Equal(0, Run("train", SpecPath, "--out", Path.Combine(_dir, "b"), "--seed", "1", "--threads", "1").Code);
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "a", "history.csv")), File.ReadAllText(Path.Combine(_dir, "b", "history.csv")));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(_dir, "a", "history.csv")).Length); // the header and the spec's 3 epochs
    }

    [Fact]
    public void SummaryPrintsTheTable()
    {
        var (code, stdout, _) = Run("summary", SpecPath);
        Assert.Equal(0, code);
        Assert.Contains("dense (Dense)", stdout);
        // Dense 11·32+32, three BatchNormalization 4·32, two Dense 32·32+32, the output 32+1.
        Assert.Contains("Total params: 2,913 ", stdout);
        Assert.Contains("Non-trainable params: 192 ", stdout);
    }

    [Theory]
    [InlineData(1, "missing file", "train", "nope.json")]
    [InlineData(2, "Unknown command 'fly'", "fly")]
    [InlineData(2, "Unknown option --epoch", "train", "SPEC", "--epoch", "3")]
    [InlineData(2, "--epochs expects an integer", "train", "SPEC", "--epochs", "many")]
    [InlineData(2, "needs --input", "predict", "model.strata")]
    [InlineData(1, "Model file 'model.strata' does not exist", "predict", "model.strata", "--input", "x.csv")]
    [InlineData(1, "Spec file 'nope.json' does not exist", "summary", "nope.json")]
    public void ErrorsPrintOneLineAndExitNonZero(int expectedCode, string message, params string[] args)
    {
        // 2: the command line is wrong; 1: what it names failed.
        args = args.Select(a => a == "SPEC" ? SpecPath : a).ToArray();
        var (code, _, stderr) = Run(args);
        Assert.Equal(expectedCode, code);
        Assert.StartsWith("error: ", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        if (message != "missing file") Assert.Contains(message, stderr);
    }

    [Fact]
    public void BadSpecsNameTheLayerOrColumn()
    {
        var spec = JsonNode.Parse(File.ReadAllText(SpecPath))!.AsObject();
        spec["model"]!["config"]!["layers"]![1]!["config"]!["activation"] = "swish-ish";
        File.WriteAllText(SpecPath, spec.ToJsonString());
        var (code, _, stderr) = Run("train", SpecPath, "--out", Path.Combine(_dir, "bad"));
        Assert.Equal(1, code);
        Assert.Contains("Unknown activation 'swish-ish' in layer 'dense'", stderr);

        spec["model"]!["config"]!["layers"]![1]!["config"]!["activation"] = "relu";
        spec["data"]!["target"] = "Quality";
        File.WriteAllText(SpecPath, spec.ToJsonString());
        (code, _, stderr) = Run("train", SpecPath, "--out", Path.Combine(_dir, "bad"));
        Assert.Equal(1, code);
        Assert.Contains("there is no column 'Quality'", stderr);
    }

    [Fact]
    public void PredictRejectsAFileWithoutTheModelsColumns()
    {
        string outDir = Path.Combine(_dir, "run");
        Assert.Equal(0, Run("train", SpecPath, "--out", outDir, "--epochs", "1").Code);
        string input = Path.Combine(_dir, "few.csv");
        File.WriteAllText(input, "alcohol,pH\n9.4,3.5\n");
        var (code, _, stderr) = Run("predict", Path.Combine(outDir, "model.strata"), "--input", input);
        Assert.Equal(1, code);
        Assert.Contains("'fixed acidity'", stderr);
    }

    [Fact]
    public void PredictWithMonteCarloSamplesWritesMeanAndDeviation()
    {
        string outDir = Path.Combine(_dir, "run");
        Assert.Equal(0, Run("train", SpecPath, "--out", outDir, "--epochs", "1").Code);
        string modelPath = Path.Combine(outDir, "model.strata");
        string input = Path.Combine(_dir, "input.csv");
        File.WriteAllLines(input, File.ReadAllLines(Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv")).Take(11));
        string a = Path.Combine(_dir, "a.csv"), b = Path.Combine(_dir, "b.csv");
        Assert.Equal(0, Run("predict", modelPath, "--input", input, "--output", a, "--mc-samples", "20", "--seed", "4").Code);
        Assert.Equal(0, Run("predict", modelPath, "--input", input, "--output", b, "--mc-samples", "20", "--seed", "4").Code);
        var lines = File.ReadAllLines(a);
        Assert.Equal("output_0,output_0_std", lines[0]);
        Assert.Equal(11, lines.Length);
        Assert.Equal(lines, File.ReadAllLines(b));

        var model = Sequential.Load(modelPath);
        var x = CsvTable.Load(input).Split("quality").Features;
        var expected = model.Predict(x, mcSamples: 20, seed: 4, batchSize: 256);
        var parsed = lines.Skip(1).Select(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(expected.Mean.Data, parsed.Select(p => p[0]).ToArray());
        Assert.Equal(expected.StandardDeviation.Data, parsed.Select(p => p[1]).ToArray());
        Assert.All(parsed, p => Assert.True(p[1] > 0));
        Assert.Contains("--seed of 'strata predict' only applies with --mc-samples", Run("predict", modelPath, "--input", input, "--seed", "1").Err);
    }

    [Fact]
    public void RecalibrateRewritesTheMovingStatisticsAndReportsTheValidationLoss()
    {
        string outDir = Path.Combine(_dir, "run");
        Assert.Equal(0, Run("train", SpecPath, "--out", outDir, "--epochs", "1").Code);
        string modelPath = Path.Combine(outDir, "model.strata"), recalibrated = Path.Combine(_dir, "recalibrated.strata");
        string data = Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv");
        var (code, stdout, stderr) = Run("recalibrate", modelPath, "--data", data, "--output", recalibrated);
        Assert.True(code == 0, stderr);
        Assert.Contains("Recalibrating on the 1119 training rows", stdout);
        Assert.Contains("batch_normalization_2: 1119 values per channel", stdout);
        Assert.Matches(@"val_loss: \d+\.\d{4} before, \d+\.\d{4} after", stdout);

        var before = Sequential.Load(modelPath);
        var after = Sequential.Load(recalibrated);
        var table = CsvTable.Load(data);
        var (x, y, _) = table.Split("quality");
        var (trainX, _, valX, valY) = DataSplit.TrainValidation(x, y, 0.3, 0);
        before.RecalibrateBatchNorm(trainX, batchSize: 256);
        Assert.Equal(before.GetWeights(), after.GetWeights());
        Assert.Contains(after.Evaluate(valX, valY, 256)["loss"].ToString("F4", CultureInfo.InvariantCulture) + " after", stdout);

        Assert.Contains("needs --data", Run("recalibrate", modelPath).Err);
    }

    [Fact]
    public void TrainsOnAnImageSetWithALimitAndEvaluatesOnItsTestImages()
    {
        var spec = CliRunner.SmallFashionSpec();
        string sample = CliRunner.FashionSample;
        string specPath = Path.Combine(_dir, "fashion.json"), outDir = Path.Combine(_dir, "fashion");
        File.WriteAllText(specPath, spec.ToJsonString());
        var (code, stdout, stderr) = Run("train", specPath, "--out", outDir, "--epochs", "1", "--limit", "256");
        Assert.True(code == 0, stderr);
        Assert.Contains("on fashion-mnist (first 256 rows)", stdout);
        Assert.Contains("2/2", stdout);
        Assert.Matches(@"Test: loss \d+\.\d{4}, accuracy 0\.\d{4}", stdout);

        string modelPath = Path.Combine(outDir, "model.strata");
        (code, stdout, stderr) = Run("evaluate", modelPath, "--data", sample);
        Assert.True(code == 0, stderr);
        Assert.Contains("Evaluating on the 200 test images", stdout);
        var model = Sequential.Load(modelPath);
        double accuracy = model.Metadata!["test"]!["accuracy"]!.GetValue<double>();
        Assert.Contains($"accuracy: {accuracy.ToString("F4", CultureInfo.InvariantCulture)}", stdout);

        Assert.Contains("--limit expects a positive integer", Run("train", specPath, "--limit", "0").Err);
        spec["data"]!["path"] = Path.Combine(_dir, "nowhere");
        File.WriteAllText(specPath, spec.ToJsonString());
        Assert.Contains("apt-get install dataset-fashion-mnist", Run("train", specPath, "--out", outDir + "-missing-data").Err);
    }

    [Fact]
    public void EvaluateOnACsvUsesTheModelsTargetColumn()
    {
        string outDir = Path.Combine(_dir, "run");
        Assert.Equal(0, Run("train", SpecPath, "--out", outDir, "--epochs", "1").Code);
        string data = Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv");
        var (code, stdout, stderr) = Run("evaluate", Path.Combine(outDir, "model.strata"), "--data", data);
        Assert.True(code == 0, stderr);
        Assert.Contains("Evaluating on the 1599 rows", stdout);
        var model = Sequential.Load(Path.Combine(outDir, "model.strata"));
        var (x, y, _) = CsvTable.Load(data).Split("quality");
        Assert.Contains($"loss: {model.Evaluate(x, y, 256)["loss"].ToString("F4", CultureInfo.InvariantCulture)}", stdout);
    }

    [Fact]
    public void BenchPrintsTheReferenceFieldsAsJson()
    {
        int threads = Strata.Tensors.Compute.Threads;
        var (code, stdout, stderr) = Run("bench", "redwine-infer", "--threads", "1");
        Strata.Tensors.Compute.Threads = threads;
        Assert.True(code == 0, stderr);
        var result = JsonNode.Parse(stdout.Trim())!.AsObject();
        Assert.Equal("strata", result["engine"]!.GetValue<string>());
        Assert.Equal("redwine-infer", result["workload"]!.GetValue<string>());
        Assert.True(result["batch1_latency_us"]!.GetValue<double>() > 0);
        Assert.True(result["batch1024_rows_per_s"]!.GetValue<double>() > 0);
        Assert.Equal(1, result["threads"]!.GetValue<int>());
        Assert.Contains("Unknown workload 'gemv'", Run("bench", "gemv").Err);
    }

    [Fact]
    public void BenchRedWineTakesWidthAndBatchSizeAndProfilesNodes()
    {
        var (code, stdout, stderr) = Run("bench", "redwine", "--epochs", "2", "--width", "16", "--batch-size", "64",
            "--data", Path.Combine(TestSupport.RepositoryRoot, "data"), "--profile");
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var result = JsonNode.Parse(lines[0])!.AsObject();
        Assert.Equal(16, result["width"]!.GetValue<int>());
        Assert.Equal(64, result["batch_size"]!.GetValue<int>());
        Assert.True(result["peak_working_set_mb"]!.GetValue<double>() > 0);
        Assert.True(result["allocated_bytes_per_step"]!.GetValue<double>() >= 0);
        // The profile names every node kind of the model, with its time.
        Assert.StartsWith("node", lines[1]);
        foreach (var kind in new[] { "Dense#", "Dropout#", "BatchNorm#" })
            Assert.Contains(lines, l => l.StartsWith(kind));
        Assert.Contains("--width", Run("bench", "redwine", "--width", "0").Err);
    }

    [Fact]
    public void BenchRedWineWithReproducibleSumsSaysSo()
    {
        string data = Path.Combine(TestSupport.RepositoryRoot, "data");
        var (code, stdout, stderr) = Run("bench", "redwine", "--epochs", "2", "--width", "16", "--batch-size", "64", "--data", data, "--reproducible-sums");
        Assert.True(code == 0, stderr);
        var result = JsonNode.Parse(stdout.Split('\n')[0])!.AsObject();
        Assert.True(result["reproducible_sums"]!.GetValue<bool>());
        Assert.Equal(0, result["allocated_bytes_per_step"]!.GetValue<double>());
        var plain = JsonNode.Parse(Run("bench", "redwine", "--epochs", "2", "--width", "16", "--batch-size", "64", "--data", data).Out.Split('\n')[0])!.AsObject();
        Assert.Null(plain["reproducible_sums"]);
        // The same training up to the rounding of its sums: the validation error agrees closely.
        Assert.Equal(plain["best_val_mae"]!.GetValue<double>(), result["best_val_mae"]!.GetValue<double>(), 0.05);
    }

    [Fact]
    public void BenchPeakPrintsTheFmaThroughputFieldsAsJson()
    {
        int threads = Strata.Tensors.Compute.Threads;
        var (code, stdout, stderr) = Run("bench", "peak", "--threads", "1");
        Strata.Tensors.Compute.Threads = threads;
        // A benchmark, not a test of speed: only the fields and that the figures are real throughputs.
        Assert.True(code == 0, stderr);
        var result = JsonNode.Parse(stdout.Trim())!.AsObject();
        Assert.Equal("peak", result["workload"]!.GetValue<string>());
        double one = result["fma_gflops_1_thread"]!.GetValue<double>(), all = result["fma_gflops"]!.GetValue<double>();
        Assert.True(double.IsFinite(one) && one > 0, $"{one} GFLOP/s");
        Assert.True(double.IsFinite(all) && all > 0, $"{all} GFLOP/s");
        // The path in use and its lanes; two FMA pipes: lanes × 2 flops × 2 per cycle.
        string isa = Strata.Tensors.Compute.InstructionSet;
        Assert.Equal(isa, result["instruction_set"]!.GetValue<string>());
        int lanes = new Dictionary<string, int> { ["avx512"] = 16, ["avx2"] = 8, ["portable"] = 4, ["scalar"] = 1 }[isa];
        Assert.Equal(lanes, result["fma_lanes"]!.GetValue<int>());
        Assert.Equal(one / (4.0 * lanes), result["clock_ghz_estimate"]!.GetValue<double>(), 6);
    }
}
