"""Between the CLI / Python API and the engine: options over what a project remembers over
the settings' defaults, a shot list brought into a project, one blocking call."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from film.build.engine import Engine
from film.build.summary import RunSummary
from film.config import Settings
from film.errors import InputError
from film.events import EventSink
from film.project import Project
from film.providers.registry import default_provider, drawing_provider
from film.schema import ShotList, load_shot_list
from film.stages.options import COMPOSE_FIELDS, ON_ERROR, ComposeOptions, RunOptions
from film.stages.table import STAGES, stage

if TYPE_CHECKING:
    from film.story.contract import StoryOptions

#: options a project keeps: later commands on it use them unless told otherwise
REMEMBERED: tuple[str, ...] = (*dict.fromkeys(s.dest for s in STAGES if s.dest),
                               *COMPOSE_FIELDS)


def provider_default(stage_name: str, settings: Settings) -> str:
    """The provider a stage uses when none is chosen: its setting (FILM_IMAGE_PROVIDER ...),
    else the first remote provider whose key is set, else offline."""
    st = stage(stage_name)
    explicit = getattr(settings, st.default_setting, None) if st.default_setting else None
    return default_provider(st.kind, explicit, settings)


def remembered_options(project: Project | None) -> dict[str, Any]:
    """What the project's last successful run chose (see Engine._remember)."""
    if project is None or not project.manifest_path.exists():
        return {}
    options = project.load_manifest().settings.get("options", {})
    return options if isinstance(options, dict) else {}


def remembered_story(project: Project) -> StoryOptions | None:
    """The story options the project's last `film story` used (None: not a story)."""
    if not project.manifest_path.exists():
        return None
    data = project.load_manifest().settings.get("story")
    if not data:
        return None
    from film.story.contract import StoryOptions  # a film without a story never loads it

    try:
        return StoryOptions.model_validate(data)
    except ValueError:
        return None


def build_options(settings: Settings, project: Project | None = None, *,
                  check_music: bool = True, **given: Any) -> RunOptions:
    """RunOptions from CLI/API values (None: not given) over what the project remembers
    over the settings' defaults. Provider choices come as the stage table's option names
    (image_provider=..., model=...)."""
    no_music = bool(given.pop("no_music", False))
    chosen = {k: v for k, v in given.items() if v is not None}
    remembered = remembered_options(project)
    for key in REMEMBERED:
        if key not in chosen and remembered.get(key) is not None:
            chosen[key] = remembered[key]
    providers: dict[str, str] = {}
    for st in STAGES:
        if st.dest is None:
            continue
        name = chosen.get(st.dest)
        providers[st.name] = name if name is not None else provider_default(st.name, settings)
    for st in STAGES:
        if st.follows and st.dest and chosen.get(st.dest) is None \
                and not getattr(settings, st.default_setting or "", None):
            providers[st.name] = drawing_provider(providers[st.follows])
    for st in STAGES:
        chosen.pop(st.dest or "", None)
    if chosen.get("story") is None and project is not None:
        chosen["story"] = remembered_story(project)
    compose = _compose_options(chosen, no_music, check_music)
    chosen.setdefault("on_error", settings.film_on_error)
    if settings.film_max_cost is not None:
        chosen.setdefault("max_cost", settings.film_max_cost)
    if chosen["on_error"] not in ON_ERROR:
        raise InputError(f"FILM_ON_ERROR must be fallback, skip or fail, not {chosen['on_error']}")
    max_cost = chosen.get("max_cost")
    if max_cost is not None and not (isinstance(max_cost, (int, float))
                                     and math.isfinite(max_cost) and max_cost >= 0):
        raise InputError(f"--max-cost must be a finite number of USD >= 0, not {max_cost!r}")
    return RunOptions(providers=providers, compose=compose, **chosen)


def project_options(settings: Settings, project: Project, **given: Any) -> RunOptions:
    """The options the next `film run -p DIR` would use: `build_options` with the workflow
    the project follows applied (its stages, providers, takes, fit and checkpoints)."""
    from film.build.workflows import followed, workflow_options

    flow = followed(project)
    if flow is not None:
        workflow, spec = flow
        given = workflow_options(workflow, spec, given)
        given["stages"] = workflow.stages
    return build_options(settings, project, **given)


def _compose_options(chosen: dict[str, Any], no_music: bool, check_music: bool
                     ) -> ComposeOptions:
    values = {key: chosen.pop(key) for key in COMPOSE_FIELDS if key in chosen}
    if no_music:
        values.pop("music", None)
    if values.get("music") is not None:
        music = Path(values["music"]).expanduser()
        if not music.is_file() and not check_music:  # status/estimate: just leave it out
            values.pop("music")
        elif not music.is_file():
            raise InputError(f"music file not found: {music}",
                             hint="Give another with --music, or --no-music.")
        else:
            values["music"] = music.resolve()
    return ComposeOptions(**values)


def project_shots(project: Project) -> ShotList:
    """The project's shot list (InputError when it has none)."""
    target = stage("scenario").path(project.root)
    if not target.exists():
        raise InputError(f"no shots.json in {project.root}",
                         hint="Make one with `film scenario -p DIR`, or pass a shots file.")
    return load_shot_list(target)


def with_shots_file(stages: tuple[str, ...], opts: dict[str, Any], shots: Path | None,
                    overwrite: bool = False) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The stages and options of a run that first brings SHOTS into the project as its
    shots.json (through the scenario stage's `file` provider, like any artifact)."""
    if shots is None:
        return stages, opts
    from film.scenario.contract import ShotsFile

    opts = {**opts, "scenario": ShotsFile(path=Path(shots).resolve()), "model": "file"}
    if overwrite:
        opts["force"] = frozenset(opts.get("force", frozenset())) | {("film", "scenario")}
    return ("scenario", *stages), opts


def run_project(project: Project, shot_list: ShotList | None, options: RunOptions,
                settings: Settings, sink: EventSink) -> RunSummary:
    """Run the engine to completion (blocking)."""
    from film.interrupt import run

    engine = Engine(project, shot_list, options, settings, sink)
    try:
        return run(engine.run())
    finally:
        sink.close()
