using Strata.Data;
using Strata.Runs;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Data;

/// <summary>Text columns encoded by the spec, kept in the model file and applied again by predict; files without a header row.</summary>
public sealed class CategoricalTests
{
    private const string Songs = "artist,genre,energy,hit\nA,rock,0.5,yes\nB,pop,0.7,no\nC,rock,0.2,no\nD,edm,0.9,yes\n";

    [Fact]
    public void OneHotAndLabelEncodingFollowTheSortedCategories()
    {
        var table = CsvTable.Parse(Songs, "songs.csv", null, ["energy"], ["genre", "hit"]);
        var encoding = FeatureEncoding.Fit(table, ["genre", "energy"], "hit", new Dictionary<string, string> { ["genre"] = "one_hot", ["hit"] = "label" });
        Assert.Equal(["genre=edm", "genre=pop", "genre=rock", "energy"], encoding.InputNames);
        Assert.Equal([0f, 0, 1, 0.5f, 0, 1, 0, 0.7f, 0, 0, 1, 0.2f, 1, 0, 0, 0.9f], encoding.EncodeFeatures(table).Data);
        Assert.Equal([1f, 0, 0, 1], encoding.EncodeTarget(table, "hit").Data); // no = 0, yes = 1

        var stored = FeatureEncoding.FromJson(encoding.ToJson());
        Assert.Equal(encoding.EncodeFeatures(table).Data, stored.EncodeFeatures(table).Data);
        var unseen = CsvTable.Parse("genre,energy\njazz,0.1\n", "new.csv", null, ["energy"], ["genre"]);
        var e = Assert.Throws<StrataException>(() => stored.EncodeFeatures(unseen));
        Assert.Contains("new.csv: row 1: column 'genre' has the category 'jazz', which the model was not trained on", e.Message);
    }

    [Fact]
    public void BadEncodingsAreNamed()
    {
        var table = CsvTable.Parse(Songs, "songs.csv", null, ["energy"], ["genre", "hit"]);
        Assert.Contains("\"one_hot\" or \"label\"", Assert.Throws<StrataException>(() =>
            FeatureEncoding.Fit(table, ["genre"], "energy", new Dictionary<string, string> { ["genre"] = "ordinal" })).Message);
        Assert.Contains("can only be label encoded", Assert.Throws<StrataException>(() =>
            FeatureEncoding.Fit(table, ["energy"], "hit", new Dictionary<string, string> { ["hit"] = "one_hot" })).Message);
    }

    [Fact]
    public void AFileWithoutAHeaderRowHasNumberedColumns()
    {
        var table = CsvTable.Parse("1,2,g\n3,4,b\n", "ion.csv", null, ["0", "1"], ["2"], hasHeader: false);
        Assert.Equal(2, table.Rows);
        Assert.Equal([1f, 2, 3, 4], table.Values);
        Assert.Equal(["g", "b"], table.Text("2"));
    }

    [Fact]
    public void TheIonosphereExampleTrainsOnLabelEncodedClassesAndPredictReadsItsFileTheSameWay()
    {
        string dir = Directory.CreateTempSubdirectory("strata-ion-").FullName;
        try
        {
            var spec = TrainingSpec.Load(Path.Combine(TestSupport.RepositoryRoot, "examples", "ionosphere.json"));
            var data = SpecData.Load(spec);
            Assert.Equal(34, data.TrainX.Dim(1));
            Assert.Equal(351, data.TrainX.Dim(0) + data.Validation!.Value.X.Dim(0));
            Assert.All(data.TrainY.Data, v => Assert.True(v is 0 or 1));
            spec.Epochs = 3;
            var run = TrainingRun.Execute(spec, dir);
            string ion = Path.Combine(TestSupport.RepositoryRoot, "data", "ion.csv");
            var (code, stdout, stderr) = Cli.CliRunner.Run("evaluate", Path.Combine(dir, "model.strata"), "--data", ion);
            Assert.True(code == 0, stderr);
            Assert.Contains("351 rows", stdout);
            Assert.Contains("binary_accuracy", stdout);
            var (predicted, lines, _) = Cli.CliRunner.Run("predict", Path.Combine(dir, "model.strata"), "--input", ion);
            Assert.Equal(0, predicted);
            Assert.Equal(352, lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void RecalibrateUsesTheArtistGroupedSplitOfTheSpecAndRefusesAFileThatCannotReproduceIt()
    {
        string dir = Directory.CreateTempSubdirectory("strata-recal-").FullName;
        try
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(TestSupport.RepositoryRoot, "examples", "spotify.json")))!.AsObject();
            json["data"]!["path"] = Path.Combine(TestSupport.RepositoryRoot, "data", "spotify.csv");
            json["model"]!["config"]!["layers"]!.AsArray().Insert(2, System.Text.Json.Nodes.JsonNode.Parse("""{"class_name": "BatchNormalization", "config": {}}"""));
            json["fit"]!["epochs"] = 1;
            string specPath = Path.Combine(dir, "spotify-bn.json");
            File.WriteAllText(specPath, json.ToJsonString());
            var spec = TrainingSpec.Load(specPath);
            TrainingRun.Execute(spec, Path.Combine(dir, "run"));
            var (code, stdout, stderr) = Cli.CliRunner.Run("recalibrate", Path.Combine(dir, "run", "model.strata"), "--data", spec.DataPath, "--output", Path.Combine(dir, "r.strata"));
            Assert.True(code == 0, stderr);
            Assert.Contains($"Recalibrating on the {SpecData.Load(spec).TrainX.Dim(0)} training rows", stdout);
            string copy = Path.Combine(dir, "copy.csv");
            File.Copy(spec.DataPath, copy);
            var (refused, _, error) = Cli.CliRunner.Run("recalibrate", Path.Combine(dir, "run", "model.strata"), "--data", copy, "--output", Path.Combine(dir, "r2.strata"));
            Assert.Equal(1, refused);
            Assert.Contains("groups rows by 'track_artist'", error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void PredictEncodesTheGenreOfNewSongsAsTrainingDid()
    {
        string dir = Directory.CreateTempSubdirectory("strata-genre-").FullName;
        try
        {
            var spec = TrainingSpec.Load(Path.Combine(TestSupport.RepositoryRoot, "examples", "spotify.json"));
            spec.Epochs = 1;
            spec.Limit = 2000;
            var run = TrainingRun.Execute(spec, dir);
            string songs = Path.Combine(dir, "songs.csv");
            File.WriteAllLines(songs, File.ReadLines(spec.DataPath).Take(30));
            var (code, stdout, stderr) = Cli.CliRunner.Run("predict", Path.Combine(dir, "model.strata"), "--input", songs);
            Assert.True(code == 0, stderr);
            var encoding = FeatureEncoding.FromJson(Strata.Models.Sequential.Load(Path.Combine(dir, "model.strata")).Metadata!["encoding"]);
            var table = CsvTable.Load(songs, null, encoding.NumericFeatures.ToArray(), ["playlist_genre"]);
            var expected = run.Model.Predict(encoding.EncodeFeatures(table));
            var printed = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => float.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(expected.Data, printed);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
