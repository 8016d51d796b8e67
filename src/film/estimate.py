"""`film estimate`: cost and time per stage for a shot list, before anything is paid."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from film.config import Settings
from film.costs import (
    DEFAULT_MODELS_BY_KIND,
    estimate_scenario_cost,
    media_cost,
    resolve_model,
    typical_seconds,
)
from film.errors import InputError
from film.project import Project
from film.runner import default_provider
from film.schema import ShotList, load_shot_list


def _full_name(kind: str, name: str) -> str:
    vendor, _, model = name.partition(":")
    if vendor == "offline":
        return "offline"
    return f"{vendor}:{model or DEFAULT_MODELS_BY_KIND[kind][vendor]}"


def estimate_film(
    settings: Settings, *, shots: Path | None = None, project_dir: Path | None = None,
    description: str | None = None, num_shots: int = 5, model: str | None = None,
    image_provider: str | None = None, video_provider: str | None = None,
    tts_provider: str | None = None, width: int | None = None, height: int | None = None,
) -> dict[str, Any]:
    """Per-stage rows (stage, provider, items, cost_usd, seconds) and totals."""
    shot_list: ShotList | None = None
    if shots is not None:
        shot_list = load_shot_list(shots)
    elif project_dir is not None and Project.at(project_dir).shots_path.exists():
        shot_list = load_shot_list(Project.at(project_dir).shots_path)
    if shot_list is None and description is None:
        raise InputError("nothing to estimate", hint="Pass a shots.json, -p DIR, or -d TEXT.")
    concurrency = settings.film_concurrency_remote
    rows: list[dict[str, Any]] = []
    if description is not None and model is not None:
        resolved = resolve_model(model, settings.user_dir())
        est = estimate_scenario_cost(resolved, description, num_shots)
        rows.append({"stage": "scenario", "provider": resolved.label, "items": 1,
                     "cost_usd": est["cost_usd"], "seconds": 2.0 + num_shots * 3.0 *
                     (resolved.provider != "offline")})
    from film.pipeline import ASPECT_SIZES

    if shot_list is not None:
        size = ASPECT_SIZES[shot_list.aspect_ratio]
        durations = [s.duration for s in shot_list.shots]
        lines = [s.spoken_text for s in shot_list.shots if s.spoken_text]
    else:
        size = ASPECT_SIZES["16:9"]
        durations = [5.0] * num_shots
        lines = ["x" * 60] * math.ceil(num_shots / 2)
    w, h = width or size[0], height or size[1]
    plan = [
        ("images", "image", image_provider, len(durations),
         lambda n: sum(media_cost(n, width=w, height=h) for _ in durations)),
        ("video", "video", video_provider, len(durations),
         lambda n: sum(media_cost(n, seconds=d) for d in durations)),
        ("speech", "speech", tts_provider, len(lines),
         lambda n: sum(media_cost(n, chars=len(t)) for t in lines)),
    ]
    for stage, kind, chosen, items, cost_of in plan:
        name = _full_name(kind, chosen or default_provider(kind, settings))
        per_call = typical_seconds(kind, name)
        lanes = 1 if name == "offline" else concurrency
        rows.append({"stage": stage, "provider": name, "items": items,
                     "cost_usd": round(cost_of(name), 6),
                     "seconds": math.ceil(items / lanes) * per_call if items else 0.0})
    rows.append({"stage": "compose", "provider": "ffmpeg", "items": 1, "cost_usd": 0.0,
                 "seconds": 1.0 + 0.6 * len(durations)})
    total = round(sum(r["cost_usd"] for r in rows), 6)
    return {"stages": rows, "total_usd": total,
            "total_seconds": sum(r["seconds"] for r in rows)}
