using System.CommandLine;
using Strata.Autodiff;
using Strata.Bench;
using Strata.Data;
using Strata.Distributed;

namespace Strata.Cli;

/// <summary>strata bench: the command line of <see cref="Workloads.Run"/>.</summary>
internal sealed partial class StrataCommand
{
    private Command BenchCommand()
    {
        var workload = new Argument<string>("WORKLOAD") { Description = $"One of {string.Join(", ", Workloads.Names)}." };
        workload.Validators.Add(r =>
        {
            string name = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (!Workloads.Names.Contains(name))
                r.AddError($"Unknown workload '{name}'{NameSuggestion.DidYouMean(name, Workloads.Names)}. Workloads: {string.Join(", ", Workloads.Names)}.");
        });
        var epochs = Positive("--epochs", "N", "Epochs of the training workloads.", 3);
        var limit = Positive("--limit", "N", "Images of the fashion-cnn and fashion-rnn workloads.", 60000);
        var data = Text("--data", "DIR", "The folder holding red-wine.csv.", "data");
        var fashion = Text("--fashion", "DIR", "The folder of the Fashion-MNIST IDX files.", Datasets.FashionMnistDirectory);
        var seed = Int("--seed", "N", "The seed of the models' weights, dropout and shuffling.", 0);
        var profile = Flag("--profile", "Add the time spent in each graph node.");
        var width = Positive("--width", "N", "The redwine model's layer width.", 1024);
        var batchSize = Positive("--batch-size", "N", "The redwine workload's batch size.", 256);
        var reproducible = Flag("--reproducible-sums", "The training workloads take their sums over rows in fixed point (fit.reproducible_sums).");
        var command = With(NewCommand("bench", "Time a benchmark workload; one JSON object per result.",
            "Time a benchmark workload and print one JSON object per result, with the fields of the PyTorch reference (../shared/bench/torch_reference.py)."),
            workload, epochs, limit, data, fashion, seed, profile, width, batchSize, reproducible);
        command.SetAction(parsed =>
        {
            bool profiling = parsed.GetValue(profile);
            NodeTimings.Enabled = profiling;
            // Under mpirun the training workloads share each batch among the ranks.
            using var ranks = OpenMpiCommunicator.Launched ? OpenMpiCommunicator.Create() : null;
            Workloads.Run(parsed.GetValue(workload)!, parsed.GetValue(epochs), parsed.GetValue(limit), parsed.GetValue(data) ?? "data",
                parsed.GetValue(fashion) ?? Datasets.FashionMnistDirectory, parsed.GetValue(seed), _output, parsed.GetValue(width), parsed.GetValue(batchSize), ranks,
                parsed.GetValue(reproducible));
            if (profiling) _output.Write(Workloads.ProfileText());
            return CommandLine.Success;
        });
        return command;
    }
}
