"""`film run`, `film images`, `film video`, `film speech`, `film compose`, `film estimate`."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from film.cli import settings
from film.cli_commands.common import (
    compose_options,
    make_sink,
    output_options,
    parse_resolution,
    project_option,
    provider_options,
    run_options,
)
from film.cli_commands.scenario_commands import (
    build_request,
    description_options,
    make_shot_list,
    pick_model,
)


def _execute(project_dir: Path, shots: Path | None, stages: tuple[str, ...],
             opts: dict[str, Any], scenario: dict[str, Any] | None = None) -> None:
    """Shared body of every media command: options, checks, the engine, the report.

    The project's lock is held for the whole command, so two commands never interleave."""
    from film.project import Project
    from film.runner import adopt_shots, build_options, preflight, run_project

    s = settings()
    project = Project.at(project_dir)
    as_json, quiet = opts.pop("as_json", False), opts.pop("quiet", False)
    opts["resolution"] = parse_resolution(opts.get("resolution"))
    with _new_folder_removed_on_error(project.root), project.lock():
        shot_list = adopt_shots(project, shots)
        options = build_options(s, project, stages=stages, scenario=scenario, **opts)
        preflight(options, s)
        summary = run_project(project, shot_list, options, s, make_sink(as_json, quiet))
    if not as_json:
        _report(summary.as_dict(), quiet)


@contextlib.contextmanager
def _new_folder_removed_on_error(root: Path) -> Iterator[None]:
    """A project folder this command created is removed again if the command fails before
    anything but film's bookkeeping is in it (a bad option, a missing key, ...)."""
    existed = root.exists()
    try:
        yield
    except BaseException:
        if not existed and root.is_dir() and {p.name for p in root.iterdir()} <= {
                ".film", "shots.json", "manifest.json"} and not (root / "images").exists():
            with contextlib.suppress(OSError):
                if not (root / "manifest.json").exists():
                    shutil.rmtree(root)
        raise


def _report(summary: dict[str, Any], quiet: bool) -> None:
    from film.render import err, out, summary_table

    if not quiet:
        err.print(summary_table(summary))
    for line in summary["fallbacks"]:
        err.print(f"[magenta]fallback[/]: {line}")
    for line in summary["failures"]:
        err.print(f"[red]left out[/]: {line}")
    if summary["final"]:
        out.print(summary["final"])
    if summary["total_cost_usd"]:
        err.print(f"spent ${summary['cost_usd']:.4f} this run, "
                  f"${summary['total_cost_usd']:.4f} on this project in all")


def _media_opts(kw: dict[str, Any]) -> dict[str, Any]:
    keys = ("image_provider", "video_provider", "tts_provider", "max_cost", "on_error",
            "force", "only",
            "concurrency", "resolution", "as_json", "quiet", "transition",
            "transition_duration", "music", "no_music", "music_volume", "burn_subtitles")
    return {k: kw[k] for k in keys if k in kw}


def _project_for(description: str) -> Path:
    words = re.findall(r"[a-z0-9]+", description.lower())[:5]
    return Path("films") / ("-".join(words) or "film")


@click.command("run")
@click.argument("description_arg", metavar="[DESCRIPTION]", required=False)
@description_options
@click.option("--shots", "shots", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Start from this shots.json instead of a description.")
@project_option(required=False)
@click.option("--new-shots", is_flag=True,
              help="Write a new shots.json from the description even if the project's was "
              "edited by hand.")
@provider_options
@compose_options
@run_options
def run_command(description_arg, description, description_file, num_shots, model, style, mood,
                aspect_ratio, shot_duration, stream, no_cache, shots, project_dir, new_shots,
                **kw):  # type: ignore[no-untyped-def]
    """Make the whole film: scenario → images → video → speech → compose.

    \b
    Examples:
      film run "A detective enters his dimly lit office on a rainy night."
      film run -d "A fox crosses a frozen lake at dawn." -n 8 --style documentary -p fox
      film run --shots my_shots.json -p myfilm --image-provider fal --max-cost 2
      film run -p myfilm          (continue the film in myfilm/ from its shots.json)
    Re-running is cheap: finished work is reused and a killed run resumes.
    """
    if description is not None and description_arg is not None:
        raise click.UsageError("give the description once: as DESCRIPTION or with -d")
    text = description if description is not None else description_arg
    if shots is None and text is None and description_file is None and project_dir \
            and (project_dir / "shots.json").exists():
        shots = project_dir / "shots.json"  # `film run -p DIR` continues DIR's shot list
    opts = _media_opts(kw)
    stages = ("images", "video", "speech", "compose")
    if shots is not None:
        if project_dir is None:
            raise click.UsageError("with --shots, name the project folder with -p/--project")
        return _execute(project_dir, shots, stages, opts)
    if text is None and description_file is None:
        raise click.UsageError("give a DESCRIPTION (or -d/--description-file), or --shots")
    from film.project import Project
    from film.runner import build_options, preflight

    request = build_request(text, description_file, num_shots, style, mood, aspect_ratio,
                            shot_duration)
    project = Project.at(project_dir or _project_for(request.description))
    with _new_folder_removed_on_error(project.root), project.lock():
        # Check every option, provider and key before the (possibly paid) LLM call.
        check = {k: v for k, v in opts.items() if k not in ("as_json", "quiet")}
        check["resolution"] = parse_resolution(check.get("resolution"))
        preflight(build_options(settings(), project, stages=stages, **check), settings())
        scenario = _scenario_into_project(request, pick_model(model, bool(opts.get("quiet"))),
                                          project, stream,
                                          no_cache, opts, new_shots)
        _execute(project.root, None, stages, opts, scenario)


def _scenario_into_project(request, model: str, project, stream: bool, no_cache: bool,
                           opts: dict[str, Any], new_shots: bool):  # type: ignore[no-untyped-def]
    """`film run`'s first step: the shot list, written only if it changed, its cost recorded
    in the project (and refused up front if it would pass --max-cost). A shots.json edited
    by hand is kept (and no LLM is called) unless --new-shots."""
    from film.costs import resolve_model
    from film.stages.scenario import (
        check_scenario_budget,
        edited_by_hand,
        record_scenario,
        write_shot_list,
    )

    quiet = opts.get("quiet") or opts.get("as_json")
    if not new_shots and edited_by_hand(project):
        from film.errors import InputError
        from film.schema import load_shot_list

        if load_shot_list(project.shots_path).description.strip() != request.description:
            raise InputError(
                f"{project.shots_path} was edited by hand (or not made by film) and is not "
                "the shot list of this description",
                hint=f"`film run -p {project.root}` uses it as it is; add --new-shots to "
                "replace it with one made from the description.")
        if not quiet:
            click.echo(f"note: {project.shots_path} was edited by hand, so it is used as it "
                       "is (--new-shots makes a new one from the description).", err=True)
        return None
    cap = opts.get("max_cost") if opts.get("max_cost") is not None else settings().film_max_cost
    check_scenario_budget(project, resolve_model(model, settings().user_dir()), request, cap)
    result = make_shot_list(request, model, stream, no_cache)
    project.ensure()
    if not (project.shots_path.exists()
            and project.shots_path.read_text("utf-8") == result.shot_list.to_json()):
        write_shot_list(result, project.shots_path)
    metrics = record_scenario(project, result, project.shots_path)
    if not quiet:
        cost = f", ${result.cost_usd:.4f}" if result.cost_usd else ""
        click.echo(f"scenario: {len(result.shots)} shots by {result.model}{cost} → "
                   f"{project.shots_path}", err=True)
    return metrics


PROVIDER_HELP = {
    "image_provider": "offline (storyboard panels) | fal[:flux-schnell|flux-dev] | "
                      "replicate[:owner/model]",
    "video_provider": "offline (camera moves) | fal[:minimax|kling] | replicate[:owner/model]",
    "tts_provider": "offline (eSpeak NG) | openai[:tts-1|tts-1-hd|gpt-4o-mini-tts]",
}


def _stage_command(name: str, stages: tuple[str, ...], doc: str, *, shots_arg: bool = False,
                   providers: tuple[str, ...] = (), compose: bool = False):  # type: ignore[no-untyped-def]
    """Build one single-stage command (images, video, speech, compose)."""

    def command(project_dir, shots=None, provider=None, **kw):  # type: ignore[no-untyped-def]
        opts = _media_opts(kw)
        for key in providers:
            opts[key] = provider
        _execute(project_dir, shots, stages, opts)

    command.__doc__ = doc
    command = output_options(command) if compose else run_options(command)
    if compose:
        command = compose_options(command)
    if providers:
        command = click.option(
            "--provider", default=None, metavar="NAME",
            help=f"{PROVIDER_HELP[providers[0]]}. Default: what the project used last, else "
            "the remote one whose key is set, else offline.")(command)
    command = project_option()(command)
    if shots_arg:
        command = click.argument("shots", required=False,
                                 type=click.Path(exists=True, dir_okay=False, path_type=Path)
                                 )(command)
    return click.command(name)(command)


images_command = _stage_command(
    "images", ("images",), "Make a still per shot: images/<shot_id>.png.\n\n"
    "SHOTS defaults to DIR/shots.json (a SHOTS elsewhere is copied into DIR).",
    shots_arg=True, providers=("image_provider",))
video_command = _stage_command(
    "video", ("video",), "Animate each still into clips/<shot_id>.mp4.",
    providers=("video_provider",))
speech_command = _stage_command(
    "speech", ("speech",), "Voice each shot's dialogue or narration into audio/<shot_id>.wav.",
    providers=("tts_provider",))
compose_command = _stage_command(
    "compose", ("compose",), "Assemble clips, voices, music and subtitles into final.mp4 "
    "(and subtitles.srt).", compose=True)


@click.command("estimate")
@click.argument("shots", required=False, type=click.Path(exists=True, dir_okay=False,
                                                           path_type=Path))
@project_option(required=False)
@provider_options
@click.option("--model", "-m", default=None, help="Scenario model to include (with -d).")
@click.option("-d", "--description", default=None, help="Also estimate the scenario stage.")
@click.option("-n", "--num-shots", type=click.IntRange(1, 30), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def estimate_command(shots, project_dir, image_provider, video_provider, tts_provider, model,
                     description, num_shots, as_json):  # type: ignore[no-untyped-def]
    """Print the per-stage cost and time before anything is paid."""
    from film.estimate import estimate_film
    from film.render import estimate_table, out

    s = settings()
    report = estimate_film(s, shots=shots, project_dir=project_dir, description=description,
                           num_shots=num_shots, model=pick_model(model) if description else None,
                           image_provider=image_provider, video_provider=video_provider,
                           tts_provider=tts_provider)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    out.print(estimate_table(report["stages"], report["total_usd"], report["total_seconds"]))


COMMANDS = [run_command, images_command, video_command, speech_command, compose_command,
            estimate_command]
