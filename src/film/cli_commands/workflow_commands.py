"""`film workflows`: the chains of steps a film can follow."""

from __future__ import annotations

import json
from pathlib import Path

import click

from film.cli_commands.common import mark_json, project_option


@click.command("workflows")
@project_option(required=False)
@click.option("--json", "as_json", is_flag=True)
def workflows_command(project_dir, as_json):  # type: ignore[no-untyped-def]
    """List the workflows `film run --workflow` takes: the built-in ones, the .toml files in
    the project folder, and the one the project follows.

    \b
    Examples:
      film run -p fox --workflow animatic         (stills animated offline: no paid video)
      film run -p fox --workflow storyboard       (stills, contact sheet, review page)
      film run -p fox --workflow audio-first      (voices first; shots as long as their lines)
      film run -p fox --workflow fox/film.toml    (your own steps; see examples/workflows/)
    """
    mark_json(as_json)
    from film.build.runner import remembered_options
    from film.build.workflows import BUILTINS, load_workflow
    from film.errors import FilmError
    from film.project import Project

    rows = [(w.name, "built in", w.description, w.summary()) for w in BUILTINS.values()]
    current = None
    if project_dir is not None:
        current = remembered_options(Project.at(project_dir)).get("workflow")
        for path in sorted(Path(project_dir).glob("*.toml")):
            try:
                flow = load_workflow(str(path))
            except FilmError as exc:
                rows.append((path.name, str(path), f"not valid: {exc.message.splitlines()[0]}",
                             ""))
                continue
            rows.append((flow.name, str(path), flow.description, flow.summary()))
    if as_json:
        click.echo(json.dumps({"workflows": [
            {"name": n, "source": src, "description": d, "steps": st} for n, src, d, st in rows],
            "project": current}, indent=2))
        return
    from rich.table import Table

    from film.cli_commands.render import out

    table = Table(title="Workflows (film run --workflow NAME|FILE)")
    for column in ("name", "from", "what it does", "steps"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    if current:
        table.caption = f"this project follows: {current}"
    out.print(table)


COMMANDS = [workflows_command]
