"""`film estimate`: cost and time per stage before anything is paid.

Each artifact is planned as the run would plan it and priced by its provider's own
`estimate_cost`, the very number the run reserves against `--max-cost`. For a project, only
what a run would still make counts (done artifacts cost nothing). From a description alone,
the offline planner (free, instant) stands in for the shot list.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from film.build.engine import Engine
from film.config import Settings
from film.costs import typical_seconds
from film.errors import InputError
from film.project import Project
from film.scenario.contract import ScenarioRequest
from film.schema import ShotList, load_shot_list
from film.stages.base import LeftOut
from film.stages.table import MEDIA_STAGES, items_of, key_of, stage

#: seconds compose takes: a base and a part per shot (measured here, see bench/RESULTS.md)
COMPOSE_SECONDS = (1.0, 1.2)


def estimate_film(
    settings: Settings, *, shots: Path | None = None, project_dir: Path | None = None,
    description: str | None = None, num_shots: int = 5, model: str | None = None,
    **providers: str | None,
) -> dict[str, Any]:
    """Per-stage rows (stage, provider, items, cost_usd or None when unknown, seconds).

    `providers` are the stage table's provider options (image_provider=..., ...)."""
    from film.build.runner import build_options

    project = Project.at(project_dir) if project_dir is not None else None
    request = None
    if description is not None:
        request = ScenarioRequest(description=description, num_shots=num_shots)
    shot_list = _shot_list(project, shots, request)
    if shot_list is None:
        raise InputError("nothing to estimate", hint="Pass a shots.json, -p DIR, or -d TEXT.")
    options = build_options(settings, project, check_music=False, model=model, **providers)
    where = project or Project.at((shots or Path(".")).parent, record=False)
    engine = Engine(where, shot_list, options, settings)
    engine.dry = True
    todo = _work_left(project, shot_list, settings, options)
    rows: list[dict[str, Any]] = []
    if request is not None and model is not None:
        rows.append(_scenario_row(engine, request))
    for name in MEDIA_STAGES:
        rows.append(_stage_row(engine, name, shot_list, todo))
    known = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    return {"stages": rows, "total_usd": round(sum(known), 6),
            "unknown_prices": [r["provider"] for r in rows if r["cost_usd"] is None],
            "total_seconds": sum(r["seconds"] for r in rows)}


def _shot_list(project: Project | None, shots: Path | None,
               request: ScenarioRequest | None) -> ShotList | None:
    if shots is not None:
        return load_shot_list(shots)
    if project is not None and stage("scenario").path(project.root).exists():
        return load_shot_list(stage("scenario").path(project.root))
    if request is not None:
        from film.scenario.planner import plan_shot_list

        return plan_shot_list(request)
    return None


def _scenario_row(engine: Engine, request: ScenarioRequest) -> dict[str, Any]:
    provider = engine.provider(stage("scenario"))
    cost = provider.estimate_cost(request) if provider.price_known() else None
    remote = provider.remote
    return {"stage": "scenario", "provider": provider.model, "items": 1,
            "cost_usd": None if cost is None else round(cost, 6),
            "seconds": 2.0 + request.num_shots * 3.0 * remote}


def _stage_row(engine: Engine, name: str, shot_list: ShotList,
               todo: dict[str, set[str]] | None) -> dict[str, Any]:
    st = stage(name)
    provider = engine.provider(st)
    if st.scope == "film":
        items = 0 if todo is not None and not todo[name] else 1
        base, per_shot = COMPOSE_SECONDS
        return {"stage": name, "provider": provider.name, "items": items, "cost_usd": 0.0,
                "seconds": (base + per_shot * len(shot_list.shots)) * items}
    requests = _requests(engine, name, todo)
    cost: float | None = None
    if provider.price_known():
        cost = sum(provider.estimate_cost(request) for request in requests)
    lanes = engine.settings.film_concurrency_remote if provider.remote else 1
    return {"stage": name, "provider": provider.name, "items": len(requests),
            "cost_usd": None if cost is None else round(cost, 6),
            "seconds": math.ceil(len(requests) / lanes) * typical_seconds(st.kind, provider.name)
            if requests else 0.0}


def _requests(engine: Engine, name: str, todo: dict[str, set[str]] | None) -> list[Any]:
    """The provider requests a run would make for stage `name`: one per item still to make,
    and for a stage with takes every take still to make (`--takes N`)."""
    st = stage(name)
    provider = engine.provider(st)
    requests: list[Any] = []
    for item in items_of(st.scope, engine):
        if not st.applies(item):
            continue
        due = todo is None or key_of(st.scope, item) in todo[name]
        takes = engine.takes_to_make(st, item) if st.takes else []
        if due and not takes:  # made again: what it reads will change
            try:
                takes = [st.plan(engine, item, provider)[0]]
            except LeftOut:  # what it is made from failed: nothing to make
                continue
        requests += takes
    return requests


def _work_left(project: Project | None, shot_list: ShotList, settings: Settings,
               options: Any) -> dict[str, set[str]] | None:
    """Shot ids per stage that a run would still make (None: everything, a new project)."""
    if project is None or not project.manifest_path.exists():
        return None
    from film.build.status import TO_MAKE, project_status

    status = project_status(project, shot_list, settings, options)
    todo = {name: {r["shot_id"] for r in status["shots"] if r.get(name) in TO_MAKE}
            for name in MEDIA_STAGES}
    for kind, name in (("character", "sheets"), ("location", "plates")):
        todo[name] = {r["key"] for r in status["references"]
                      if r["kind"] == kind and r["state"] in TO_MAKE}
    todo["compose"] = set() if status["final"] == "done" else {"final"}
    return todo
