"""The `film` subcommands, grouped by what they work on."""
