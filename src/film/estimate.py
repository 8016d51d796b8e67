"""`film estimate`: cost and time per stage for a shot list, before anything is paid.

For a project, only what a run would still make counts (done artifacts cost nothing)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from film.config import Settings
from film.costs import estimate_scenario_cost, media_cost, resolve_model, typical_seconds
from film.errors import InputError
from film.project import Project
from film.providers.base import get_provider
from film.schema import ShotList, load_shot_list

KINDS = (("images", "image"), ("video", "video"), ("speech", "speech"))


def estimate_film(
    settings: Settings, *, shots: Path | None = None, project_dir: Path | None = None,
    description: str | None = None, num_shots: int = 5, model: str | None = None,
    image_provider: str | None = None, video_provider: str | None = None,
    tts_provider: str | None = None,
) -> dict[str, Any]:
    """Per-stage rows (stage, provider, items, cost_usd or None when unknown, seconds)."""
    from film.pipeline import ASPECT_SIZES, Engine
    from film.runner import build_options

    project = Project.at(project_dir) if project_dir is not None else None
    shot_list: ShotList | None = None
    if shots is not None:
        shot_list = load_shot_list(shots)
    elif project is not None and project.shots_path.exists():
        shot_list = load_shot_list(project.shots_path)
    if shot_list is None and description is None:
        raise InputError("nothing to estimate", hint="Pass a shots.json, -p DIR, or -d TEXT.")
    options = build_options(settings, project, check_music=False, image_provider=image_provider,
                            video_provider=video_provider, tts_provider=tts_provider)
    chosen = {"images": options.image_provider, "video": options.video_provider,
              "speech": options.tts_provider}
    rows: list[dict[str, Any]] = []
    if description is not None and model is not None:
        resolved = resolve_model(model, settings.user_dir())
        est = estimate_scenario_cost(resolved, description, num_shots)
        rows.append({"stage": "scenario", "provider": resolved.label, "items": 1,
                     "cost_usd": est["cost_usd"],
                     "seconds": 2.0 + num_shots * 3.0 * (resolved.provider != "offline")})
    todo = _work_left(project, shot_list, settings, options) if shot_list else None
    if shot_list is not None:
        size = Engine(project, shot_list, options, settings).size if project \
            else ASPECT_SIZES[shot_list.aspect_ratio]
        shots_of = {stage: [s for s in shot_list.shots
                            if todo is None or s.shot_id in todo[stage]] for stage in chosen}
        durations = {st: [s.duration for s in v] for st, v in shots_of.items()}
        lines = [s.spoken_text or "" for s in shots_of["speech"] if s.spoken_text]
    else:
        size = ASPECT_SIZES["16:9"]
        durations = {st: [5.0] * num_shots for st in chosen}
        lines = ["x" * 60] * math.ceil(num_shots / 2)
    for stage, kind in KINDS:
        provider = get_provider(kind, chosen[stage], settings)  # unknown names: ConfigError
        items = len(lines) if stage == "speech" else len(durations[stage])
        if not provider.price_known():
            cost: float | None = None
        elif stage == "images":
            cost = sum(media_cost(provider.name, width=size[0], height=size[1])
                       for _ in durations[stage])
        elif stage == "video":
            cost = sum(media_cost(provider.name, seconds=d) for d in durations[stage])
        else:
            cost = sum(media_cost(provider.name, chars=len(t)) for t in lines)
        lanes = settings.film_concurrency_remote if provider.remote else 1
        rows.append({"stage": stage, "provider": provider.name, "items": items,
                     "cost_usd": None if cost is None else round(cost, 6),
                     "seconds": math.ceil(items / lanes) * typical_seconds(kind, provider.name)
                     if items else 0.0})
    n_shots = len(shot_list.shots) if shot_list else num_shots
    compose = 0 if todo is not None and not todo["compose"] else 1
    rows.append({"stage": "compose", "provider": "ffmpeg", "items": compose, "cost_usd": 0.0,
                 "seconds": (1.0 + 1.2 * n_shots) * compose})
    known = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    return {"stages": rows, "total_usd": round(sum(known), 6),
            "unknown_prices": [r["provider"] for r in rows if r["cost_usd"] is None],
            "total_seconds": sum(r["seconds"] for r in rows)}


def _work_left(project: Project | None, shot_list: ShotList, settings: Settings,
               options: Any) -> dict[str, set[str]] | None:
    """Shot ids per stage that a run would still make (None: everything, a new project)."""
    if project is None or not project.manifest_path.exists():
        return None
    from film.status import TO_MAKE, project_status

    status = project_status(project, shot_list, settings, options)
    rows = status["shots"]
    todo = {stage: {r["shot_id"] for r in rows if r[stage] in TO_MAKE}
            for stage, _kind in KINDS}
    todo["compose"] = set() if status["final"] == "done" else {"final"}
    return todo
