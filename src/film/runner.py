"""Glue between the CLI / Python API and the engine: defaults, shots loading, one call."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from film.config import Settings
from film.errors import ConfigError, InputError
from film.events import EventSink
from film.fsutil import atomic_write_text
from film.pipeline import Engine, RunOptions, RunSummary
from film.project import Project
from film.schema import ShotList, load_shot_list

DEFAULT_REMOTE = {
    "image": (("fal_key", "fal:flux-schnell"), ("replicate_api_token", "replicate")),
    "video": (("fal_key", "fal:minimax"), ("replicate_api_token", "replicate")),
    "speech": (("openai_api_key", "openai:tts-1"),),
}


def default_provider(kind: str, settings: Settings) -> str:
    """FILM_<KIND>_PROVIDER, else the first remote provider whose key is set, else offline."""
    explicit = {"image": settings.film_image_provider, "video": settings.film_video_provider,
                "speech": settings.film_tts_provider}[kind]
    if explicit:
        return explicit
    for key, name in DEFAULT_REMOTE[kind]:
        value = getattr(settings, key)
        if value is not None and value.get_secret_value().strip():
            return name
    return "offline"


def adopt_shots(project: Project, shots_path: Path | None) -> ShotList:
    """Load the shot list (copying SHOTS into the project when given elsewhere)."""
    if shots_path is None:
        if not project.shots_path.exists():
            raise InputError(
                f"no shots.json in {project.root}",
                hint="Make one with `film scenario -p DIR`, or pass the shots file.",
            )
        return load_shot_list(project.shots_path)
    shot_list = load_shot_list(shots_path)
    project.ensure()
    if shots_path.resolve() != project.shots_path.resolve():
        text = shots_path.read_text(encoding="utf-8")
        current = project.shots_path.read_text("utf-8") if project.shots_path.exists() else None
        if text != current:
            atomic_write_text(project.shots_path, text)
    return shot_list


#: options a project keeps: later commands on it use them unless told otherwise
REMEMBERED = ("image_provider", "video_provider", "tts_provider", "transition",
              "transition_duration", "music", "music_volume", "burn_subtitles")


def build_options(settings: Settings, project: Project | None = None, *,
                  check_music: bool = True, **given: Any) -> RunOptions:
    """RunOptions from CLI/API values (None: not given) over what the project remembers
    (see Engine._remember) over the settings' defaults."""
    no_music = bool(given.pop("no_music", False))
    chosen = {k: v for k, v in given.items() if v is not None}
    remembered: dict[str, Any] = {}
    if project is not None and project.manifest_path.exists():
        remembered = project.load_manifest().settings.get("options", {})
    for key in REMEMBERED:
        if key not in chosen and remembered.get(key) is not None:
            chosen[key] = Path(remembered[key]) if key == "music" else remembered[key]
    if no_music:
        chosen.pop("music", None)
    chosen.setdefault("image_provider", default_provider("image", settings))
    chosen.setdefault("video_provider", default_provider("video", settings))
    chosen.setdefault("tts_provider", default_provider("speech", settings))
    chosen.setdefault("on_error", settings.film_on_error)
    if settings.film_max_cost is not None:
        chosen.setdefault("max_cost", settings.film_max_cost)
    if chosen["on_error"] not in ("fallback", "skip", "fail"):
        raise InputError(f"FILM_ON_ERROR must be fallback, skip or fail, not {chosen['on_error']}")
    if chosen.get("music") is not None:
        music = Path(chosen["music"]).expanduser()
        if not music.is_file() and not check_music:  # status/estimate: just leave it out
            chosen.pop("music")
        elif not music.is_file():
            raise InputError(f"music file not found: {music}",
                             hint="Give another with --music, or --no-music.")
        else:
            chosen["music"] = music.resolve()
    return RunOptions(**chosen)


def preflight(options: RunOptions, settings: Settings) -> None:
    """Check provider names, keys and prices before anything is made or paid for."""
    from film.providers.base import get_provider

    kinds = {"images": ("image", options.image_provider),
             "video": ("video", options.video_provider),
             "speech": ("speech", options.tts_provider)}
    for stage in options.stages:
        if stage not in kinds:
            continue
        kind, name = kinds[stage]
        provider = get_provider(kind, name, settings)
        key_var = getattr(provider, "key_var", None)
        if provider.remote and key_var:
            settings.require(key_var.lower())
        if provider.remote and options.max_cost is not None and not provider.price_known():
            raise ConfigError(
                f"no price is known for {provider.name}, so --max-cost cannot be enforced",
                hint="Pick a model with a known price (film estimate lists them), or run "
                "without --max-cost / FILM_MAX_COST.")


def run_project(
    project: Project, shot_list: ShotList, options: RunOptions, settings: Settings,
    sink: EventSink,
) -> RunSummary:
    """Run the engine to completion (blocking)."""
    engine = Engine(project, shot_list, options, settings, sink)
    try:
        return asyncio.run(engine.run())
    finally:
        sink.close()
