"""`film providers`: every media provider, built in or from a plugin, and its key."""

from __future__ import annotations

import json

import click

from film.cli_commands.common import mark_json, settings


@click.command("providers")
@click.option("--json", "as_json", is_flag=True)
def providers_command(as_json):  # type: ignore[no-untyped-def]
    """List the image, video and speech providers: built in, and those installed packages
    add (entry-point group `film.providers`), with the key each needs and whether it is set.

    \b
    Use one by name: film run ... --image-provider NAME[:MODEL]
    Write one: see examples/plugins/film-solid (a plugin package with its own test).
    """
    mark_json(as_json)
    from film.providers.registry import listing

    rows = listing(settings())
    if as_json:
        click.echo(json.dumps({"providers": rows}, indent=2))
        return
    from rich.table import Table

    from film.cli_commands.render import out

    table = Table(title="Providers (--image-provider / --video-provider / --tts-provider NAME)")
    for column in ("kind", "name", "default model", "from", "key", "note"):
        table.add_column(column, overflow="fold")
    for row in rows:
        key = "-" if not row["key"] else f"{row['key']} ({'set' if row['key_set'] else 'not set'})"
        table.add_row(row["kind"], row["name"], row["model"] or "", row["source"] or "", key,
                      row["note"])
    out.print(table)


COMMANDS = [providers_command]
