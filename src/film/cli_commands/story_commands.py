"""`film story`: a log line becomes bibles, an outline, scenes, a script, then the film."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from film.cli_commands.common import (
    ASPECTS,
    FiniteFloat,
    PathArg,
    compose_options,
    project_option,
    provider_options,
    run_options,
)
from film.cli_commands.execute import media_options, run_stages
from film.cli_commands.scenario_commands import pick_model, scenario_options
from film.stages.table import MEDIA_STAGES, STOP_AFTER, STORY_STAGES

SCOPES = ["scene", "multi", "full"]


def _project_for(log_line: str) -> Path:
    words = re.findall(r"\w+", log_line.lower())[:5]
    return Path("films") / ("-".join(words) or "story")


def _read_bible_file(path: Path) -> dict[str, Any]:
    """--bible FILE: bible entries a user wrote ({"characters": [...], "locations": [...],
    "plot": {...}}, or just a list of characters)."""
    from film.errors import InputError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read the bible file {path}: {exc}") from exc
    if isinstance(data, list):
        data = {"characters": data}
    if not isinstance(data, dict) or not set(data) & {"characters", "locations", "plot"}:
        raise InputError(f"{path} holds no bible entries",
                         hint='Give {"characters": [{"name": ..., "backstory": ..., '
                         '"traits": [...]}], "locations": [...]}.')
    from pydantic import ValidationError

    from film.schema import format_validation_error
    from film.story.models import Character, Location

    try:
        for person in data.get("characters", []):
            Character.model_validate(person)
        for place in data.get("locations", []):
            Location.model_validate(place)
    except ValidationError as exc:
        raise InputError(f"{path} has an entry that is not valid:\n"
                         f"{format_validation_error(exc)}",
                         hint="Each character and location needs at least a name.") from exc
    return {k: v for k, v in data.items() if k in ("characters", "locations", "plot")}


def _story_options(log_line: str | None, project: Any, given: dict[str, Any]) -> Any:
    """The story's options: the command's over what the project remembers."""
    from film.build.runner import remembered_story
    from film.errors import InputError
    from film.story.contract import DEFAULT_SCENES, StoryOptions

    remembered = remembered_story(project)
    values = {k: v for k, v in given.items() if v is not None}
    if log_line is not None:
        values["log_line"] = log_line
    elif remembered is None:
        raise InputError("give a LOG LINE to start a story",
                         hint='film story "A keeper must relight the lighthouse before the '
                         'storm." -p DIR')
    base = remembered.model_dump() if remembered is not None else {}
    if "scope" in values and "scenes" not in values:
        values["scenes"] = DEFAULT_SCENES[values["scope"]]
    if values.get("log_line", base.get("log_line")) != base.get("log_line"):
        base.pop("given", None)  # a new story: earlier entries do not carry over
    return StoryOptions.model_validate({**base, **values})


@click.command("story")
@click.argument("log_line", required=False)
@project_option(required=False)
@click.option("--scope", type=click.Choice(SCOPES), default=None,
              help="One scene, several scenes, or a full script with acts [default: multi].")
@click.option("--scenes", type=click.IntRange(1, 40), default=None,
              help="How many scenes [default: 1 / 3 / 5 by scope].")
@click.option("--characters", type=click.IntRange(1, 12), default=None,
              help="How many characters the bible has [default: 3].")
@click.option("--rewrites", type=click.IntRange(0, 5), default=None,
              help="Critique-and-patch rounds per scene at most [default: 1].")
@click.option("--model", "-m", default=None,
              help="offline, a preset (film models), an OpenRouter id or ollama:<model>.")
@click.option("--style", default=None, help="Visual style of the film (noir, anime, ...).")
@click.option("--language", default=None, help="The language the characters speak.")
@click.option("--bible", "bible_file", type=PathArg(exists=True, dir_okay=False,
                                                    path_type=Path),
              help="Start from bible entries you wrote (characters, locations, plot).")
@click.option("--stop-after", type=click.Choice(list(STOP_AFTER)), default=None,
              help="Stop after this level, to review and edit it before going on.")
@click.option("--film", "make_film", is_flag=True,
              help="Go on to make the film of every scene (images, video, speech, compose).")
@click.option("--shots-per-scene", type=click.IntRange(1, 30), default=None,
              help="Shots per scene [default: one per element of the scene, 2 to 8].")
@click.option("--shot-duration", type=FiniteFloat(0.5, 30), default=None,
              help="Seconds per shot the planner aims for [default: 4].")
@click.option("--aspect-ratio", type=click.Choice(ASPECTS), default=None)
@click.option("--overwrite", is_flag=True,
              help="Replace a bible edited by hand with one made from the log line.")
@click.option("--no-cache", is_flag=True,
              help="Ask the LLM again even if an identical question was answered before.")
@provider_options
@compose_options
@run_options
def story_command(log_line, project_dir, scope, scenes, characters, rewrites, model, style,
                  language, bible_file, stop_after, make_film, shots_per_scene, shot_duration,
                  aspect_ratio, overwrite, no_cache, **kw):  # type: ignore[no-untyped-def]
    """Develop a story from a log line: bible, outline, scenes by character agents, a
    director's integration, a dramaturge's critique and rewrites, then the shots.

    \b
    Examples:
      film story "A detective with amnesia must solve a murder he might have committed." -p case
      film story -p case                      (continue; your edits to story/ win)
      film story "..." -p case --stop-after bible   (review the characters first)
      film story "..." -p case --scope full --scenes 6 --film
      film run -p case                        (the film of every scene)
    Files: story/bible.json, story/outline.json, story/scenes/<id>/, story/script.fountain.
    """
    from film.project import Project
    from film.story.bible import BibleStorage

    if log_line is not None and not log_line.strip():
        raise click.UsageError("the LOG LINE is empty")
    if project_dir is None and log_line is None:
        raise click.UsageError("give a LOG LINE, or -p DIR to continue a story")
    project = Project.at(project_dir or _project_for(log_line))
    given: dict[str, Any] = {"scope": scope, "scenes": scenes, "characters": characters,
                             "rewrites": rewrites, "style": style, "language": language,
                             "shots_per_scene": shots_per_scene, "shot_duration": shot_duration,
                             "aspect_ratio": aspect_ratio}
    if bible_file is not None:
        given["given"] = _read_bible_file(bible_file)
    story = _story_options(log_line, project, given)
    stages = STORY_STAGES[:STORY_STAGES.index(STOP_AFTER[stop_after]) + 1] if stop_after \
        else STORY_STAGES + (MEDIA_STAGES if make_film else ())
    opts = media_options(kw)
    quiet = bool(opts.get("quiet") or opts.get("as_json"))
    opts.update(story=story, **scenario_options(pick_model(model, quiet, project), False,
                                                        no_cache))
    if overwrite:
        opts["force"] = frozenset({("film", "bible")})
    if no_cache:
        opts["refresh"] = frozenset(s for s in stages if s in STORY_STAGES)
    storage = BibleStorage(project.root / "story")
    if project.root.exists():
        storage.sync()  # a person's edits since the last run become versions
    summary = run_stages(project.root, None, stages, opts)
    storage.sync()
    if not quiet:
        _report(project.root, summary, stop_after, make_film)


def _report(root: Path, summary: dict[str, Any], stop_after: str | None,
            made_film: bool) -> None:
    from rich.markup import escape

    from film.cli_commands.render import err, story_table

    per_scene = summary.get("llm_per_scene") or {}
    if any(m["calls"] or m["cache_hits"] for m in per_scene.values()):
        err.print(story_table(per_scene))
    from film.fsutil import shell_path

    where = escape(shell_path(root))
    if stop_after:
        err.print(f"stopped after {stop_after}: review and edit {where}/story/, then "
                  f"`film story -p {where}` goes on")
    elif not made_film:
        err.print(f"script: {where}/story/script.fountain   next: film run -p {where}")


COMMANDS = [story_command]
