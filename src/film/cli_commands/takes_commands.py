"""`film choose` and `film prune`: pick among a shot's takes, and clear what the film left."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from film.cli_commands.common import mark_json, project_option
from film.cli_commands.execute import project_engine, run_stages, with_workflow
from film.stages.table import MEDIA_STAGES, STAGES

#: stages whose artifacts have takes, as `film choose --stage` names them
TAKE_STAGES: tuple[str, ...] = tuple(st.name for st in STAGES if st.takes)


@click.command("choose")
@project_option()
@click.option("--shot", "shot_id", metavar="ID", help="The shot whose take to choose.")
@click.option("--character", metavar="NAME", help="A character: choose its sheet's take.")
@click.option("--location", metavar="NAME", help="A location: choose its plate's take.")
@click.option("--take", "number", type=click.IntRange(1, 10_000), required=True, metavar="K",
              help="The take's number (film status and review.html list them).")
@click.option("--stage", type=click.Choice(TAKE_STAGES), default=None,
              help="Whose take: images (default for --shot) or video; sheets and plates "
              "follow --character and --location.")
@click.option("--no-run", is_flag=True, help="Only record the choice; the next `film run` "
              "remakes what follows from it.")
@click.option("--json", "as_json", is_flag=True, help="Progress as JSON lines.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the final file.")
def choose_command(project_dir, shot_id, character, location, number, stage, no_run,
                   as_json, quiet):  # type: ignore[no-untyped-def]
    """Use take K of a shot's still (or clip, sheet, plate), then remake what follows from it.

    The other takes are set aside, not deleted: choose one of them again at any time, or
    remove them with `film prune`.

    \b
    Examples:
      film choose -p noir --shot shot_003 --take 2
      film choose -p noir --shot shot_003 --take 1 --stage video
      film choose -p case --character Mara --take 2
    """
    mark_json(as_json)
    named = [x for x in (shot_id, character, location) if x]
    if len(named) != 1:
        raise click.UsageError("name one of --shot ID, --character NAME, --location NAME")
    stage_name = _stage_for(stage, shot_id, character, location)
    from film.build.lookup import item_named
    from film.stages.table import stage as stage_of

    with project_engine(project_dir) as engine:
        st = stage_of(stage_name)
        item, _users = item_named(engine, st, named[0])
        engine.choose(st, item, number)
    if not (as_json or quiet):
        click.echo(f"{stage_name} of {named[0]}: take {number} chosen", err=True)
    if not no_run:  # the project's workflow goes on: only what follows the choice is stale
        opts = {"as_json": as_json, "quiet": quiet}
        run_stages(project_dir, None, *with_workflow(project_dir, None, MEDIA_STAGES, opts))


def _stage_for(stage: str | None, shot_id: str | None, character: str | None,
               location: str | None) -> str:
    """The stage a choice is about; UsageError for a stage that does not fit the name."""
    option = "--shot" if shot_id else "--character" if character else "--location"
    fits = {"--shot": ("images", "video"), "--character": ("sheets",),
            "--location": ("plates",)}[option]
    chosen = stage or fits[0]
    if chosen not in fits:
        raise click.UsageError(f"--stage {chosen} does not go with {option}")
    return chosen


@click.command("prune")
@project_option()
@click.option("--yes", is_flag=True, help="Delete them (without it, only list them).")
@click.option("--json", "as_json", is_flag=True, help="The list (and what was freed) as JSON.")
def prune_command(project_dir, yes, as_json):  # type: ignore[no-untyped-def]
    """List the takes set aside and the files of shots, characters and places no longer in
    the film; delete them with --yes. Chosen takes and what the film uses always stay."""
    mark_json(as_json)
    from film.build.prune import prunable, prune

    with project_engine(project_dir) as engine:
        items = prunable(engine)
        freed = prune(engine, items) if yes and items else 0
    _report(engine.project.root, items, yes, freed, as_json)


def _report(root: Path, items: list[Any], deleted: bool, freed: int, as_json: bool) -> None:
    total = sum(item.size for item in items)
    if as_json:
        click.echo(json.dumps({
            "files": [{"path": item.path.relative_to(root).as_posix(), "reason": item.reason,
                       "bytes": item.size} for item in items],
            "bytes": total, "deleted": deleted, "freed": freed}))
        return
    if not items:
        click.echo("nothing to prune: every file is in use")
        return
    for item in items:
        click.echo(f"{item.path.relative_to(root).as_posix()}  ({item.reason})")
    size = f"{total / 1e6:.1f} MB"
    if deleted:
        click.echo(f"deleted {len(items)} files, {freed / 1e6:.1f} MB freed")
    else:
        click.echo(f"{len(items)} files, {size}: run again with --yes to delete them")


COMMANDS = [choose_command, prune_command]
