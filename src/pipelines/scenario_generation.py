"""`python -m pipelines.scenario_generation`: the same as `film scenario`.

    python -m pipelines.scenario_generation -d "A detective enters his office." -n 5 -o shots.json
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from film.cli_commands.base import FilmCommand
    from film.cli_commands.scenario_commands import scenario_command

    command = FilmCommand(scenario_command.name, params=scenario_command.params,
                          callback=scenario_command.callback, help=scenario_command.help)
    command.main(sys.argv[1:] if argv is None else argv,
                 prog_name="python -m pipelines.scenario_generation")


if __name__ == "__main__":
    main()
