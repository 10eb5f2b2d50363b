using Strata.Data;
using Strata.Runs;
using Strata.Tensors;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Data;

/// <summary>Reading some columns of a CSV with text in it, and validation splits that keep groups together.</summary>
public sealed class ColumnsAndGroupsTests
{
    private const string Songs = "id,artist,popularity,energy,name\n" +
        "a1,\"Ed, Sheeran\",66,0.9,\"I Don't Care\"\n" +
        "a2,Queen,80,0.5,Bohemian Rhapsody\n" +
        "a3,\"Ed, Sheeran\",70,0.7,Shape\n" +
        "a4,Adele,75,0.3,Hello\n";

    [Fact]
    public void KeepsOnlyTheNamedNumericColumnsAndTheTextColumns()
    {
        var table = CsvTable.Parse(Songs, "songs.csv", null, ["popularity", "energy"], ["artist"]);
        Assert.Equal(["popularity", "energy"], table.Columns);
        Assert.Equal([66f, 0.9f, 80f, 0.5f, 70f, 0.7f, 75f, 0.3f], table.Values);
        Assert.Equal(["Ed, Sheeran", "Queen", "Ed, Sheeran", "Adele"], table.Text("artist"));
        var e = Assert.Throws<StrataException>(() => table.Text("name"));
        Assert.Contains("not read as text", e.Message);
    }

    [Fact]
    public void ANamedColumnThatIsNotThereIsAnErrorNamingTheFile()
    {
        var e = Assert.Throws<StrataException>(() => CsvTable.Parse(Songs, "songs.csv", null, ["tempo"]));
        Assert.Contains("songs.csv: there is no column 'tempo'", e.Message);
        // Without a column list every column must be numeric, as before.
        Assert.Throws<StrataException>(() => CsvTable.Parse(Songs, "songs.csv"));
    }

    [Fact]
    public void TheFeatureListPicksColumnsInItsOwnOrder()
    {
        var table = CsvTable.Parse(Songs, "songs.csv", null, ["popularity", "energy"]);
        var (x, y, names) = table.Split("popularity", ["energy"]);
        Assert.Equal(["energy"], names);
        Assert.Equal([0.9f, 0.5f, 0.7f, 0.3f], x.Data);
        Assert.Equal([66f, 80f, 70f, 75f], y.Data);
        Assert.Throws<StrataException>(() => table.Split("popularity", ["popularity"]));
    }

    [Fact]
    public void AGroupedSplitNeverPutsAGroupOnBothSidesAndRepeatsWithTheSeed()
    {
        int rows = 400;
        var x = new Tensor(rows, 1);
        var y = new Tensor(rows, 1);
        var groups = new string[rows];
        for (int r = 0; r < rows; r++) { x.Data[r] = r; y.Data[r] = r; groups[r] = $"artist {r * 7 % 37}"; }
        var (tx, _, vx, _) = DataSplit.GroupedTrainValidation(x, y, groups, 0.25, seed: 5);
        var trainGroups = tx.Data.Select(v => groups[(int)v]).ToHashSet();
        var validationGroups = vx.Data.Select(v => groups[(int)v]).ToHashSet();
        Assert.Empty(trainGroups.Intersect(validationGroups));
        Assert.Equal(rows, tx.Dim(0) + vx.Dim(0));
        Assert.Equal(9, validationGroups.Count); // round(37 * 0.25)
        var again = DataSplit.GroupedTrainValidation(x, y, groups, 0.25, seed: 5);
        Assert.Equal(vx.Data, again.ValidationX.Data);
        var other = DataSplit.GroupedTrainValidation(x, y, groups, 0.25, seed: 6);
        Assert.NotEqual(vx.Data, other.ValidationX.Data);
    }

    [Fact]
    public void TheSpotifyExampleReadsItsAudioFeaturesAndSplitsByArtist()
    {
        var spec = TrainingSpec.Load(Path.Combine(TestSupport.RepositoryRoot, "examples", "spotify.json"));
        var data = SpecData.Load(spec);
        Assert.Equal(18, data.FeatureNames!.Length);
        Assert.Equal("duration_ms", data.FeatureNames[11]);
        Assert.Equal("playlist_genre=rock", data.FeatureNames[^1]);
        Assert.Equal(32833, data.TrainX.Dim(0) + data.Validation!.Value.X.Dim(0));

        // The same split on row numbers: every song of a validation artist is in validation.
        var artists = CsvTable.Load(spec.DataPath, null, ["track_popularity"], ["track_artist"]).Text("track_artist");
        var rowNumbers = new Tensor(artists.Count, 1);
        for (int i = 0; i < artists.Count; i++) rowNumbers.Data[i] = i;
        var (_, _, vx, _) = DataSplit.GroupedTrainValidation(rowNumbers, rowNumbers, artists, spec.ValidationSplit, spec.SplitSeed);
        Assert.Equal(data.Validation.Value.X.Dim(0), vx.Dim(0));
        var validationArtists = vx.Data.Select(i => artists[(int)i]).ToHashSet();
        Assert.Equal(vx.Dim(0), artists.Count(validationArtists.Contains));
    }
}

public sealed class InvalidRowsTests
{
    private const string Text = "a,b,name\n1,2,x\n3,NaN,y\n4,,z\n5,inf,w\n6,7,v\n";

    [Fact]
    public void InvalidValuesAreAnErrorNamingTheLineUnlessRowsMayBeDropped()
    {
        var e = Assert.Throws<StrataException>(() => CsvTable.Parse(Text, "t.csv", null, ["a", "b"]));
        Assert.Contains("t.csv:3: column 'b' (column 2) has the non-finite value 'NaN'", e.Message);
        Assert.Contains("drop_invalid_rows", e.Message);

        var table = CsvTable.Parse(Text, "t.csv", null, ["a", "b"], ["name"], dropInvalidRows: true);
        Assert.Equal(2, table.Rows);
        Assert.Equal([1f, 2f, 6f, 7f], table.Values);
        Assert.Equal(["x", "v"], table.Text("name"));
        Assert.Equal(3, table.DroppedRows);
        Assert.StartsWith("t.csv:3:", table.FirstDroppedRow);
    }

    [Fact]
    public void AFileWhoseRowsAreAllInvalidSaysSo()
    {
        var e = Assert.Throws<StrataException>(() => CsvTable.Parse("a\nNaN\nx\n", "t.csv", dropInvalidRows: true));
        Assert.Contains("all 2 data rows hold invalid values", e.Message);
    }

    [Fact]
    public void TrainDropsInvalidRowsWhenAskedAndCountsThem()
    {
        string dir = Directory.CreateTempSubdirectory("strata-invalid-").FullName;
        try
        {
            var lines = File.ReadAllLines(Path.Combine(TestSupport.RepositoryRoot, "data", "red-wine.csv")).Take(200).ToList();
            lines[5] = lines[5].Replace("0.56", "NaN", StringComparison.Ordinal);
            lines[9] = string.Join(';', lines[9].Split(';').Select((f, i) => i == 3 ? "" : f));
            File.WriteAllLines(Path.Combine(dir, "wine.csv"), lines);
            var spec = Cli.CliRunner.SmallRedWineSpec(epochs: 1);
            spec["data"]!["path"] = "wine.csv";
            File.WriteAllText(Path.Combine(dir, "spec.json"), spec.ToJsonString());
            var (failed, _, error) = Cli.CliRunner.Run("train", Path.Combine(dir, "spec.json"), "--out", Path.Combine(dir, "a"), "--no-lint");
            Assert.Equal(1, failed);
            Assert.Contains("wine.csv:6:", error);
            var (code, stdout, stderr) = Cli.CliRunner.Run("train", Path.Combine(dir, "spec.json"), "--out", Path.Combine(dir, "b"), "--no-lint", "--drop-invalid-rows");
            Assert.True(code == 0, stderr);
            Assert.Contains("Dropped 2 rows with invalid values; the first:", stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
