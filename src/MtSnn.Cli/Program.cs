using MtSnn.Cli;

return CliApp.Run(args);
