using System.Text.RegularExpressions;
using Xunit;

namespace Strata.Tests.Cli;

/// <summary>
/// --help, --version, the suggestions for misspelled commands and options, and the exit codes:
/// every option the README's command-line summary names is in its command's help with a default.
/// </summary>
public sealed class HelpAndUsageTests
{
    private static readonly string[] Commands = ["train", "lint", "diagnose", "compare", "summary", "export", "evaluate", "predict", "recalibrate", "bench"];

    /// <summary>The README's one-line summary of each command, from the block under "## The command line".</summary>
    private static Dictionary<string, string> ReadmeUsage()
    {
        var lines = File.ReadLines(Path.Combine(TestSupport.RepositoryRoot, "README.md"))
            .SkipWhile(l => l != "## The command line").Skip(1)
            .SkipWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => !l.StartsWith("```", StringComparison.Ordinal));
        return lines.Select(l => l.Trim()).Where(l => Commands.Contains(l.Split(' ')[0])).ToDictionary(l => l.Split(' ')[0]);
    }

    [Fact]
    public void VersionPrintsTheVersionAlone()
    {
        var (code, stdout, stderr) = CliRunner.Run("--version");
        Assert.Equal(0, code);
        Assert.Equal("0.1.0\n", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void TheHelpListsEveryCommandAndTheExitCodes()
    {
        var (code, stdout, _) = CliRunner.Run("--help");
        Assert.Equal(0, code);
        foreach (var command in Commands) Assert.Matches(new Regex($"^  {command} ", RegexOptions.Multiline), stdout);
        Assert.Contains("Exit codes: 0 success; 1 failure", stdout);
        Assert.Contains("2 usage error", stdout);
        Assert.Equal(stdout, CliRunner.Run("help").Out);

        // Without a command: the same text, and the status of a usage error.
        var (bare, usage, _) = CliRunner.Run();
        Assert.Equal(2, bare);
        Assert.Equal(stdout, usage);
    }

    [Fact]
    public void EachCommandsHelpGivesEveryOptionTheReadmeNamesWithItsDefault()
    {
        var usage = ReadmeUsage();
        Assert.Equal(Commands.Order(), usage.Keys.Order());
        foreach (var (command, line) in usage)
        {
            var (code, help, _) = CliRunner.Run(command, "--help");
            Assert.Equal(0, code);
            Assert.StartsWith($"Usage: strata {command} ", help);
            Assert.Equal(help, CliRunner.Run("help", command).Out);
            // An option's entry runs from its name to the next option; the default or "Required." ends it.
            var entries = Regex.Split(help[help.IndexOf("\nOptions:\n", StringComparison.Ordinal)..], @"\n(?=  -)");
            foreach (Match option in Regex.Matches(line, @"--[a-z-]+"))
            {
                var entry = entries.SingleOrDefault(e => e.StartsWith($"  {option.Value} ", StringComparison.Ordinal) || e.TrimEnd() == $"  {option.Value}"
                    || e.StartsWith($"  {option.Value}\n", StringComparison.Ordinal));
                Assert.True(entry is not null, $"strata {command} --help does not list {option.Value}:\n{help}");
                Assert.True(entry.Contains("[default: ", StringComparison.Ordinal) || entry.Contains("Required.", StringComparison.Ordinal),
                    $"strata {command} --help gives {option.Value} no default:\n{entry}");
            }
        }
        var train = CliRunner.Run("train", "--help").Out;
        Assert.Matches(@"--checkpoint-every N +Write the whole training state[^\[]*\[default: 1\]", train);
        Assert.Matches(@"--epochs N +Epochs to train\. \[default: the spec's fit\.epochs\]", train);
    }

    [Theory]
    [InlineData("Unknown command 'trian' (did you mean 'train'?)", "trian", "spec.json")]
    [InlineData("Unknown command 'sumary' (did you mean 'summary'?)", "help", "sumary")]
    [InlineData("Unknown option --inptu for 'strata predict' (did you mean --input?)", "predict", "m.strata", "--inptu", "x.csv")]
    [InlineData("Unknown option --overwrit for 'strata export' (did you mean --overwrite?)", "export", "m.strata", "--overwrit")]
    [InlineData("Option --checkpoint-every expects 0 (no checkpoints) or a positive number of epochs. Received: -1", "train", "s.json", "--checkpoint-every", "-1")]
    [InlineData("Option --seeds expects a positive integer. Received: 0", "compare", "a.json", "--seeds", "0")]
    [InlineData("Option --epochs needs a value.", "train", "s.json", "--epochs")]
    [InlineData("'strata train' expects 1 argument (SPEC.json); received 2", "train", "a.json", "b.json")]
    [InlineData("'strata evaluate' needs --data X.csv|X.npy|X.npz|IDX-DIRECTORY.", "evaluate", "m.strata")]
    [InlineData("Options --overwrite and --resume contradict each other", "train", "s.json", "--overwrite", "--resume", "runs/x")]
    [InlineData("Unknown workload 'gemv' (did you mean 'gemm'?)", "bench", "gemv")]
    public void UsageErrorsSuggestTheClosestNameAndExitWithTwo(string message, params string[] args)
    {
        var (code, stdout, stderr) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: ", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void OptionsTakeTheirValueAfterAnEqualsSignToo()
    {
        var (code, _, stderr) = CliRunner.Run("train", "missing.json", "--epochs=3", "--seed=-2");
        // Parsed: the spec file is what fails, with the status of a failure.
        Assert.Equal(1, code);
        Assert.Contains("Spec file 'missing.json' does not exist", stderr);
    }
}
