"""Glue between the CLI / Python API and the engine: defaults, shots loading, one call."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from film.config import Settings
from film.errors import InputError
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


def build_options(settings: Settings, **given: Any) -> RunOptions:
    """RunOptions from CLI/API values; None means "use the default"."""
    chosen = {k: v for k, v in given.items() if v is not None}
    chosen.setdefault("image_provider", default_provider("image", settings))
    chosen.setdefault("video_provider", default_provider("video", settings))
    chosen.setdefault("tts_provider", default_provider("speech", settings))
    chosen.setdefault("on_error", settings.film_on_error)
    if settings.film_max_cost is not None:
        chosen.setdefault("max_cost", settings.film_max_cost)
    if chosen["on_error"] not in ("fallback", "skip", "fail"):
        raise InputError(f"FILM_ON_ERROR must be fallback, skip or fail, not {chosen['on_error']}")
    return RunOptions(**chosen)


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
