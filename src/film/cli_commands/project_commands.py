"""`film status`, `film jobs` and `film regen`: look at a project and redo parts of it."""

from __future__ import annotations

import json

import click

from film.cli_commands.common import (
    compose_options,
    mark_json,
    project_option,
    provider_options,
    run_async,
    run_options,
    settings,
)
from film.cli_commands.execute import media_options, run_stages, with_workflow
from film.stages.table import MEDIA_STAGES, SCENE_STAGES, SHOT_STAGES, dependents


@click.command("status")
@project_option()
@click.option("--json", "as_json", is_flag=True)
def status_command(project_dir, as_json):  # type: ignore[no-untyped-def]
    """Show per shot and stage what is done, stale, missing, failed or running."""
    mark_json(as_json)
    from film.build.runner import project_shots
    from film.build.status import project_status
    from film.project import Project
    from film.stages.table import stage

    project = Project.at(project_dir)
    if not project.root.is_dir():
        from film.errors import InputError

        raise InputError(f"no project folder at {project.root}")
    has_shots = stage("scenario").path(project.root).exists()
    report = project_status(project, project_shots(project) if has_shots else None,
                            settings())
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    from film.cli_commands.render import out, reference_table, scene_table, status_table

    if report["scenes"]:
        out.print(scene_table(report["scenes"], list(SCENE_STAGES)))
    if report["references"]:
        out.print(reference_table(report["references"]))
    from film.build.status import STATES

    out.print(status_table(report["shots"], list(SHOT_STAGES), STATES))
    film = "   ".join(f"{name}: {state}" for name, state in report["film"].items())
    flow = report["workflow"]
    out.print(f"workflow {flow['name']}: {flow['state']}   {film}   spent on this project: "
              f"${report['total_cost_usd']:.4f}", markup=False, highlight=False)


@click.command("jobs")
@project_option()
@click.option("--no-check", is_flag=True, help="Do not ask the vendors; list what the "
              "manifest records.")
@click.option("--json", "as_json", is_flag=True)
def jobs_command(project_dir, no_check, as_json):  # type: ignore[no-untyped-def]
    """List the remote jobs a stopped run left: provider, id, age and state at the vendor.

    The next `film run -p DIR` collects each of them rather than paying for it again.
    """
    mark_json(as_json)
    from film.build.jobs import age_text, ask_vendors, pending_jobs
    from film.errors import InputError
    from film.project import Project

    project = Project.at(project_dir)
    if not project.root.is_dir():
        raise InputError(f"no project folder at {project.root}")
    jobs = pending_jobs(project)
    if jobs and not no_check:
        run_async(_ask(jobs, ask_vendors))
    if as_json:
        click.echo(json.dumps({"jobs": [job.as_dict() for job in jobs]}, indent=2))
        return
    if not jobs:
        click.echo("no remote job is pending: nothing is being made or paid for")
        return
    from film.cli_commands.render import jobs_table, out

    out.print(jobs_table([{**job.as_dict(), "age": age_text(job.age_seconds)} for job in jobs]))


async def _ask(jobs, ask_vendors):  # type: ignore[no-untyped-def]
    from film.vendors.http import make_client

    async with make_client(settings().film_http_timeout) as client:
        await ask_vendors(jobs, settings(), client)


@click.command("regen")
@project_option()
@click.option("--shot", "shot_ids", multiple=True, metavar="ID",
              help="The shot to redo (repeatable).")
@click.option("--scene", "scene_ids", multiple=True, metavar="ID",
              help="Redo every shot of this scene of a story (repeatable).")
@click.option("--character", "characters", multiple=True, metavar="NAME",
              help="Redo this character's reference sheet and every shot it is in "
              "(repeatable).")
@click.option("--location", "locations", multiple=True, metavar="NAME",
              help="Redo this location's plate and every shot set there (repeatable).")
@click.option("--stage", type=click.Choice(list(SHOT_STAGES)), default="images",
              show_default=True, help="Which stage to redo; everything after it follows.")
@provider_options
@compose_options
@run_options
def regen_command(project_dir, shot_ids, scene_ids, characters, locations, stage,
                  **kw):  # type: ignore[no-untyped-def]
    """Make one shot's stage again (and what depends on it), then recompose.

    Only the named shots are touched; the project's providers and compose options are kept
    unless given here.

    \b
    Examples:
      film regen -p noir --shot shot_003                 (new image, then its clip)
      film regen -p noir --shot shot_002 --stage speech
      film regen -p noir --shot shot_005 --stage video --video-provider fal:kling
      film regen -p case --scene s02                     (every shot of scene s02)
      film regen -p case --character Mara                (her sheet, then her shots)
      film regen -p case --location "the lighthouse"     (its plate, then its shots)
    """
    from film.build.runner import project_shots
    from film.errors import InputError
    from film.project import Project
    from film.stages.table import stage as stage_of

    project = Project.at(project_dir)
    shot_list = project_shots(project)
    if not (shot_ids or scene_ids or characters or locations):
        raise click.UsageError("name what to redo: --shot ID, --scene ID, --character NAME "
                               "or --location NAME")
    shot_ids = (*shot_ids, *_shots_of_scenes(shot_list, scene_ids))
    for shot_id in shot_ids:
        shot = shot_list.shot(shot_id)  # InputError naming the known ids
        if not stage_of(stage).applies(shot):
            raise InputError(f"{shot_id} has nothing for the {stage} stage (no dialogue or "
                             "narration to speak)", hint="Add a line to it in shots.json first.")
    force = {(sid, name) for sid in shot_ids for name in dependents(stage)}
    redo, users = _references_to_redo(project, shot_list, characters, locations)
    force |= redo | {(sid, name) for sid in users for name in dependents("images")}
    opts = media_options(kw)
    opts["force"] = frozenset(force)
    opts["only"] = frozenset((*shot_ids, *users))
    run_stages(project_dir, None, *with_workflow(project_dir, None, MEDIA_STAGES, opts))


def _references_to_redo(project, shot_list, characters, locations):  # type: ignore[no-untyped-def]
    """The (key, stage) of each named character's sheet and location's plate, and the shots
    that use any of them."""
    if not (characters or locations):
        return set(), []
    from film.build.lookup import reference_users

    redo, users = set(), []
    for kind, names, stage_name in (("character", characters, "sheets"),
                                    ("location", locations, "plates")):
        for name in names:
            key, shots = reference_users(project, shot_list, settings(), kind, name)
            redo.add((key, stage_name))
            users += [s for s in shots if s not in users]
    return redo, users


def _shots_of_scenes(shot_list, scene_ids):  # type: ignore[no-untyped-def]
    """The ids of every shot of these scenes (InputError for a scene with no shot)."""
    from film.errors import InputError

    found = []
    for scene_id in scene_ids:
        shots = [s.shot_id for s in shot_list.shots if s.scene_id == scene_id]
        if not shots:
            scenes = sorted({s.scene_id for s in shot_list.shots if s.scene_id})
            raise InputError(f"no shot of scene {scene_id!r} in this shot list",
                             hint=f"Scenes: {', '.join(scenes)}" if scenes else
                             "This film has no scenes (it was not made with film story).")
        found += shots
    return found


COMMANDS = [status_command, jobs_command, regen_command]
