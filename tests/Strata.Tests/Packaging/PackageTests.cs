using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using Strata.Data;
using Strata.Layers.Core;
using Strata.Models;
using Strata.Training.Losses;
using Strata.Training.Optimizers;
using Xunit;
using Strata.Formats;

namespace Strata.Tests.Packaging;

/// <summary>
/// The Strata package as a user gets it: `dotnet pack` of the library, then a console project outside
/// the solution that references the package and runs the README's library example. Its printed loss
/// must equal the same code run here, in process, on the library the tests reference.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("strata-package-");

    // A version of its own, so no package left in the NuGet cache by an earlier run can stand in for this one.
    private readonly string _version = $"0.1.0-test.{Guid.NewGuid():N}";

    public void Dispose()
    {
        _dir.Delete(recursive: true);
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string restored = Path.Combine(cache, "strata", _version);
        if (Directory.Exists(restored)) Directory.Delete(restored, recursive: true);
        string versions = Path.GetDirectoryName(restored)!;
        if (Directory.Exists(versions) && !Directory.EnumerateFileSystemEntries(versions).Any()) Directory.Delete(versions);
    }

    /// <summary>The C# block of the README's install section: the example a user of the package starts from.</summary>
    private static string ReadmeExample()
    {
        var lines = File.ReadLines(Path.Combine(TestSupport.RepositoryRoot, "README.md"))
            .SkipWhile(l => !l.StartsWith("## Install", StringComparison.Ordinal))
            .SkipWhile(l => l != "```csharp").Skip(1)
            .TakeWhile(l => l != "```");
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The README example's computation, here: the last epoch's loss.</summary>
    private static (double First, double Last) InProcess(string csv)
    {
        var (x, y, _) = CsvTable.Load(csv).Split("quality");
        var model = new Sequential([new InputLayer([-1, 11]), new Dense(64, "relu"), new Dense(1)], seed: 0);
        model.Compile(new Adam(), new MeanAbsoluteError(), ["mae"]);
        var history = model.Fit(x, y, batchSize: 256, epochs: 20);
        return (history["loss"][0], history["loss"][^1]);
    }

    [Fact]
    public void ThePackedLibraryBuildsAndRunsTheReadmeExampleInAProjectOfItsOwn()
    {
        string root = TestSupport.RepositoryRoot;
        // The library is packed from a copy, so the build outputs of the working tree stay as they are.
        string copy = Path.Combine(_dir.FullName, "source");
        CopyTree(Path.Combine(root, "src", "Strata"), Path.Combine(copy, "src", "Strata"));
        foreach (var file in new[] { "Directory.Build.props", "nuget.config", "README.md" })
            File.Copy(Path.Combine(root, file), Path.Combine(copy, file));
        string packages = Path.Combine(_dir.FullName, "packages");
        Dotnet(copy, "pack", "src/Strata/Strata.csproj", "-c", "Release", "-o", packages, $"-p:Version={_version}");
        Assert.True(File.Exists(Path.Combine(packages, $"Strata.{_version}.nupkg")), string.Join(", ", Directory.GetFiles(packages)));

        // The documentation travels with the library, so an editor shows it to the package's users.
        using (var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(packages, $"Strata.{_version}.nupkg")))
        {
            var docs = package.GetEntry("lib/net10.0/Strata.xml");
            Assert.NotNull(docs);
            using var stream = docs.Open();
            var members = XDocument.Load(stream).Descendants("member").ToDictionary(m => (string)m.Attribute("name")!);
            Assert.Contains("T:Strata.Layers.Normalization.BatchNormalization", members.Keys);
            Assert.False(string.IsNullOrWhiteSpace(members["P:Strata.Autodiff.Node.Shape"].Element("summary")?.Value));
        }

        // A console project that knows only the package folder and the sources the repository restores from.
        string app = Path.Combine(_dir.FullName, "app");
        Directory.CreateDirectory(app);
        var sources = XDocument.Load(Path.Combine(root, "nuget.config")).Descendants("packageSources").Elements("add");
        new XDocument(new XElement("configuration", new XElement("packageSources",
            new XElement("clear"),
            new XElement("add", new XAttribute("key", "strata-under-test"), new XAttribute("value", packages)),
            sources))).Save(Path.Combine(app, "nuget.config"));
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Strata" Version="{_version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeExample());
        string csv = Path.Combine(root, "data", "red-wine.csv");
        File.Copy(csv, Path.Combine(app, "red-wine.csv"));
        Dotnet(app, "build", "-c", "Release");
        string printed = Dotnet(app, "bin/Release/net10.0/app.dll").Trim();

        var (first, last) = InProcess(csv);
        double packed = double.Parse(printed, CultureInfo.InvariantCulture);
        Assert.True(double.IsFinite(packed), printed);
        Assert.True(last < first, $"the loss went from {first} to {last}");
        Assert.Equal(last, packed);
    }

    /// <summary>Runs dotnet in <paramref name="directory"/> and returns its output; fails with the output when it fails.</summary>
    private static string Dotnet(string directory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (args[0] is "build" or "pack")
        {
            // No build servers left running after the test.
            info.ArgumentList.Add("-nodeReuse:false");
            info.ArgumentList.Add("-p:UseSharedCompilation=false");
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        // The test host's own MSBuild settings are not the child build's.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "VSTEST_HOST_DEBUG").ToList())
            info.Environment.Remove(key);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited with {process.ExitCode}:\n{output}\n{error.Result}");
        return output;
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var directory in Directory.EnumerateDirectories(from))
            if (Path.GetFileName(directory) is not ("bin" or "obj")) CopyTree(directory, Path.Combine(to, Path.GetFileName(directory)));
    }
}
