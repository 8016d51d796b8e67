"""`film status`: per shot and stage, whether its artifact is done, stale, missing, ..."""

from __future__ import annotations

from typing import Any

from film.config import Settings
from film.errors import FilmError
from film.pipeline import Engine, RunOptions, input_hash_of
from film.project import Project
from film.schema import ShotList

SHOT_STAGES = ("images", "video", "speech")


def project_status(project: Project, shot_list: ShotList, settings: Settings) -> dict[str, Any]:
    """Rows {shot_id, images, video, speech} with done/stale/missing/failed/running/fallback/-
    and the compose state. "Stale" means the inputs changed since the file was made."""
    engine = Engine(project, shot_list, RunOptions(), settings)
    from film.stages.images import plan_image
    from film.stages.speech import plan_speech
    from film.stages.video import plan_clip

    planners = {"images": plan_image, "video": plan_clip, "speech": plan_speech}
    rows = []
    for shot in shot_list.shots:
        row: dict[str, Any] = {"shot_id": shot.shot_id}
        for stage in SHOT_STAGES:
            if stage == "speech" and not shot.spoken_text:
                row[stage] = "-"
                continue
            out = project.artifact_path(stage, shot.shot_id)
            entry = engine.manifest.artifacts.get(project.rel(out))
            if entry is None:
                row[stage] = "done" if out.exists() else "missing"
                continue
            if entry.status == "submitted":
                row[stage] = "running"
                continue
            if entry.status == "failed" or not out.exists():
                row[stage] = entry.status if entry.status == "failed" else "missing"
                continue
            try:
                provider = engine.provider(stage, entry.provider)
                _request, inputs = planners[stage](engine, shot, provider)
                current = input_hash_of(stage, provider, inputs) == entry.input_hash
            except FilmError:
                current = False
            row[stage] = ("fallback" if entry.fallback else "done") if current else "stale"
        rows.append(row)
    final = engine.manifest.artifacts.get(project.rel(project.final_path))
    return {
        "project": str(project.root), "shots": rows,
        "final": "done" if final and project.final_path.exists() else "missing",
        "total_cost_usd": engine.manifest.total_cost,
        "metrics": engine.manifest.metrics,
    }
