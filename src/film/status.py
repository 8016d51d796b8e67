"""`film status`: per shot and stage, whether its artifact is done, stale, missing, ..."""

from __future__ import annotations

from typing import Any

from film.config import Settings
from film.errors import FilmError
from film.pipeline import Engine, input_hash_of
from film.project import Project
from film.schema import Shot, ShotList

SHOT_STAGES = ("images", "video", "speech")
#: states a run changes: it makes these again (or, for pending/running, collects them)
TO_MAKE = frozenset({"stale", "missing", "failed", "retry"})
CHANGING = TO_MAKE | {"pending", "running"}


def project_status(project: Project, shot_list: ShotList, settings: Settings,
                   options: Any = None) -> dict[str, Any]:
    """Rows {shot_id, images, video, speech} and the state of final.mp4, judged against the
    providers and options the next `film run -p DIR` would use.

    done: current; fallback: an offline stand-in kept (the provider refused the prompt);
    retry: an offline stand-in the next run replaces with the remote result; manual: a file
    placed by hand (kept); stale: inputs or provider changed, or what it is made from will
    change; missing; failed: the last attempt failed; running: a remote job under way in a
    run going on now; pending: a paid remote job that the next run collects.
    """
    from film.runner import build_options

    options = options or build_options(settings, project, check_music=False)
    engine = Engine(project, shot_list, options, settings)
    running = project.is_locked()
    rows = []
    for shot in shot_list.shots:
        row: dict[str, Any] = {"shot_id": shot.shot_id}
        for stage in SHOT_STAGES:
            if stage == "speech" and not shot.spoken_text:
                row[stage] = "-"
                continue
            row[stage] = _state(engine, stage, shot, running)
        if row["images"] in CHANGING and row["video"] in ("done", "fallback"):
            row["video"] = "stale"  # its still will change, so will the clip
        rows.append(row)
    changing = any(row[stage] in CHANGING for row in rows for stage in ("video", "speech"))
    return {
        "project": str(project.root), "shots": rows,
        "final": "stale" if changing and _final_state(engine) != "missing"
        else _final_state(engine),
        "total_cost_usd": engine.manifest.total_cost, "metrics": engine.manifest.metrics,
    }


def _state(engine: Engine, stage: str, shot: Shot, running: bool) -> str:
    from film.freshness import is_current, resumable

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
    provider = engine.provider(stage)  # the one the next run uses
    current = _current_hash(engine, stage, shot, provider)
    if current is None:
        return "stale"
    if is_current(entry, current, out, provider):
        return "fallback" if entry.fallback else "done"
    if resumable(entry, current, provider):
        return "pending"
    return "retry" if entry.fallback and entry.input_hash == current else "stale"


def _current_hash(engine: Engine, stage: str, shot: Shot, provider: Any) -> str | None:
    """The input hash a run would compute for this artifact now (None: cannot plan it)."""
    from film.stages.images import plan_image
    from film.stages.speech import plan_speech
    from film.stages.video import plan_clip

    planners = {"images": plan_image, "video": plan_clip, "speech": plan_speech}
    try:
        _request, inputs = planners[stage](engine, shot, provider)
    except FilmError:
        return None
    return input_hash_of(stage, provider, inputs)


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
