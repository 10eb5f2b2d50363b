using Strata;
using Strata.Cli;

return CommandLine.Run(args, Console.Out, Console.Error);
