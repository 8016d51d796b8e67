"""`film run`, one command per stage (images, video, speech, compose), `film estimate`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from film.cli_commands.common import (
    PathArg,
    compose_options,
    mark_json,
    output_options,
    project_option,
    provider_options,
    run_options,
    settings,
)
from film.cli_commands.execute import media_options, run_stages, with_timing, with_workflow
from film.cli_commands.scenario_commands import (
    build_request,
    description_options,
    pick_model,
    scenario_options,
)
from film.stages.table import MEDIA_STAGES, STAGES, Stage

#: the most candidates one command makes per item
MAX_TAKES = 8


def takes_options(func: Any) -> Any:
    """--takes N (stills) and --video-takes N (clips): candidates per shot."""
    func = click.option("--video-takes", type=click.IntRange(1, MAX_TAKES), default=None,
                        metavar="N", help="Make N candidate clips per shot.")(func)
    return click.option("--takes", type=click.IntRange(1, MAX_TAKES), default=None,
                        metavar="N", help="Make N candidate stills per shot (the first is "
                        "used; `film choose` picks another).")(func)


def takes_wanted(takes: int | None, video_takes: int | None) -> dict[str, int]:
    """RunOptions.takes from --takes and --video-takes."""
    return {name: n for name, n in (("images", takes), ("video", video_takes)) if n}


def _project_for(description: str) -> Path:
    words = re.findall(r"\w+", description.lower())[:5]
    return Path("films") / ("-".join(words) or "film")


@click.command("run")
@click.argument("description_arg", metavar="[DESCRIPTION]", required=False)
@description_options
@click.option("--shots", "shots", type=PathArg(exists=True, dir_okay=False, path_type=Path),
              help="Start from this shots.json instead of a description.")
@project_option(required=False)
@click.option("--overwrite", "--new-shots", "overwrite", is_flag=True,
              help="Replace the project's shots.json even if it was edited by hand (the old "
              "one is kept in .film/history/).")
@click.option("--workflow", metavar="NAME|FILE", default=None,
              help="The chain of steps to follow: film (default), animatic, storyboard, "
              "audio-first, or a .toml file (film workflows lists them); the project "
              "remembers it.")
@provider_options
@takes_options
@compose_options
@run_options
def run_command(description_arg, description, description_file, num_shots, model, style, mood,
                language, aspect_ratio, shot_duration, stream, no_cache, shots, project_dir,
                overwrite, workflow, takes, video_takes, **kw):  # type: ignore[no-untyped-def]
    """Make the whole film: scenario → images → video → speech → compose.

    \b
    Examples:
      film run "A detective enters his dimly lit office on a rainy night."
      film run -d "A fox crosses a frozen lake at dawn." -n 8 --style documentary -p fox
      film run --shots my_shots.json -p myfilm --image-provider fal --max-cost 2
      film run -p myfilm          (continue the film in myfilm/ from its shots.json)
    Without -p the film goes to films/<the first words of the description>/. Re-running is
    cheap: finished work is reused and a killed run resumes.
    """
    if description is not None and description_arg is not None:
        raise click.UsageError("give the description once: as DESCRIPTION or with -d")
    text = description if description is not None else description_arg
    opts = media_options(kw)
    opts["takes"] = takes_wanted(takes, video_takes)
    no_description = text is None and description_file is None
    if shots is None and no_description and project_dir is not None \
            and (project_dir / "shots.json").exists():  # continue DIR's shot list
        return run_stages(project_dir, None, *with_workflow(project_dir, workflow,
                                                             MEDIA_STAGES, opts))
    if shots is not None:
        if project_dir is None:
            raise click.UsageError("with --shots, name the project folder with -p/--project")
        return run_stages(project_dir, shots, *with_workflow(project_dir, workflow,
                                                              MEDIA_STAGES, opts),
                          overwrite=overwrite)
    if no_description:
        raise click.UsageError("give a DESCRIPTION (or -d/--description-file), or --shots")
    request = build_request(text, description_file, num_shots, style, mood, aspect_ratio,
                            shot_duration, language)
    from film.project import Project

    quiet = bool(opts.get("quiet") or opts.get("as_json"))
    project = project_dir or _project_for(request.description)
    model = pick_model(model, quiet, Project.at(project))
    opts.update(scenario=request, **scenario_options(model, stream, no_cache))
    if overwrite:
        opts["force"] = frozenset({("film", "scenario")})
    if no_cache:
        opts["refresh"] = frozenset({"scenario"})
    return run_stages(project, None, *with_workflow(project, workflow,
                                                    ("scenario", *MEDIA_STAGES), opts))


def _stage_command(st: Stage) -> click.Command:
    """The command that runs one stage of the table alone (`film images`, ...)."""

    def command(project_dir, shots=None, provider=None, overwrite=False, takes=None,
                **kw):  # type: ignore[no-untyped-def]
        opts = media_options(kw)
        if st.dest:
            opts[st.dest] = provider
        if takes:
            opts["takes"] = {st.name: takes}
        run_stages(project_dir, shots, (*st.brings, st.name), with_timing(project_dir, opts),
                   overwrite=overwrite)

    command.__doc__ = (f"Make {st.help}.\n\nSHOTS, when given, is copied into DIR as its "
                       "shots.json first (DIR/shots.json by default).")
    decorated: Any = run_options(command) if st.dest else output_options(command)
    if "compose" in st.cli_options:
        decorated = compose_options(decorated)
    if st.takes:
        decorated = click.option(
            "--takes", type=click.IntRange(1, MAX_TAKES), default=None, metavar="N",
            help="Make N candidates per item (the first is used; `film choose` picks "
            "another).")(decorated)
    if st.dest:
        decorated = click.option(
            "--provider", default=None, metavar="NAME",
            help=f"{st.provider_help}. Default: what the project used last, else the remote "
            "one whose key is set, else offline.")(decorated)
    decorated = project_option()(decorated)
    decorated = click.option("--overwrite", is_flag=True, help="Replace the project's "
                             "shots.json with SHOTS even if it was edited by hand.")(decorated)
    decorated = click.argument("shots", required=False, type=PathArg(
        exists=True, dir_okay=False, path_type=Path))(decorated)
    return click.command(st.name)(decorated)


STAGE_COMMANDS = [_stage_command(st) for st in STAGES if st.name in MEDIA_STAGES]


@click.command("estimate")
@click.argument("shots", required=False, type=PathArg(exists=True, dir_okay=False,
                                                           path_type=Path))
@project_option(required=False)
@provider_options
@click.option("--model", "-m", default=None, help="Scenario model to include (with -d).")
@click.option("-d", "--description", default=None, help="Also estimate the scenario stage.")
@click.option("-n", "--num-shots", type=click.IntRange(1, 30), default=5, show_default=True)
@takes_options
@click.option("--json", "as_json", is_flag=True)
def estimate_command(shots, project_dir, model, description, num_shots, takes, video_takes,
                     as_json, **providers):  # type: ignore[no-untyped-def]
    """Print the per-stage cost and time before anything is paid."""
    mark_json(as_json)
    from film.build.estimate import estimate_film
    from film.cli_commands.render import estimate_table, out

    if description is not None:
        from film.stages.scenario import read_description

        description = read_description(description, None)
    report = estimate_film(settings(), shots=shots, project_dir=project_dir,
                           description=description, num_shots=num_shots,
                           model=pick_model(model) if description else None,
                           takes=takes_wanted(takes, video_takes), **providers)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    out.print(estimate_table(report["stages"], report["total_usd"], report["total_seconds"]))


COMMANDS = [run_command, *STAGE_COMMANDS, estimate_command]
