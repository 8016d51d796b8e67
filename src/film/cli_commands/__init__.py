"""The `film` subcommands (thin: parse, call, render), their shared options, errors and signals."""
