"""`film status`: per shot and stage, whether its artifact is done, stale, missing, ..."""

from __future__ import annotations

from typing import Any

from film.config import Settings
from film.errors import FilmError
from film.pipeline import Engine, input_hash_of
from film.project import Artifact, Project
from film.schema import Shot, ShotList

SHOT_STAGES = ("images", "video", "speech")
STATES = ("done", "fallback", "stale", "missing", "failed", "running", "pending", "manual", "-")


def project_status(project: Project, shot_list: ShotList, settings: Settings) -> dict[str, Any]:
    """Rows {shot_id, images, video, speech} and the state of final.mp4.

    done: made from the current inputs; fallback: an offline stand-in for a failed remote
    call; manual: a file placed by hand; stale: its inputs changed since; missing: never made;
    failed: the last attempt failed; running: a remote job under way in a run going on now;
    pending: a remote job paid for by a run that stopped, collected by the next run.
    """
    from film.runner import build_options

    engine = Engine(project, shot_list, build_options(settings, project), settings)
    running = project.is_locked()
    rows = []
    for shot in shot_list.shots:
        row: dict[str, Any] = {"shot_id": shot.shot_id}
        for stage in SHOT_STAGES:
            if stage == "speech" and not shot.spoken_text:
                row[stage] = "-"
                continue
            row[stage] = _state(engine, stage, shot, running)
        rows.append(row)
    return {
        "project": str(project.root), "shots": rows, "final": _final_state(engine),
        "total_cost_usd": engine.manifest.total_cost, "metrics": engine.manifest.metrics,
    }


def _state(engine: Engine, stage: str, shot: Shot, running: bool) -> str:
    project = engine.project
    out = project.artifact_path(stage, shot.shot_id)
    entry = engine.manifest.artifacts.get(project.rel(out))
    if entry is None:
        return "manual" if out.is_file() else "missing"
    if entry.status == "submitted":
        return "running" if running else "pending"
    if entry.status == "failed":
        return "failed"
    if not out.is_file():
        return "missing"
    if entry.provider == "manual":
        return "manual"
    return ("fallback" if entry.fallback else "done") if _current(engine, stage, shot, entry) \
        else "stale"


def _current(engine: Engine, stage: str, shot: Shot, entry: Artifact) -> bool:
    """Whether the entry's inputs are the ones the shot list asks for now."""
    from film.stages.images import plan_image
    from film.stages.speech import plan_speech
    from film.stages.video import plan_clip

    planners = {"images": plan_image, "video": plan_clip, "speech": plan_speech}
    try:
        provider = engine.provider(stage, entry.fallback_for or entry.provider)
        _request, inputs = planners[stage](engine, shot, provider)
    except FilmError:
        return False
    return input_hash_of(stage, provider, inputs) == entry.input_hash


def _final_state(engine: Engine) -> str:
    from film.stages.compose import plan_compose

    project = engine.project
    entry = engine.manifest.artifacts.get(project.rel(project.final_path))
    if entry is None or not project.final_path.is_file():
        return "missing"
    try:
        return "done" if plan_compose(engine).input_hash == entry.input_hash else "stale"
    except (FilmError, OSError):
        return "stale"
