"""`film status`: per shot and stage, whether its artifact is done, stale, missing, ...

Every artifact is judged against the providers and options the next `film run -p DIR`
would use, with the same planning and hashing as the run itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from film.build.engine import Engine
from film.build.freshness import input_hash_of, is_current, placed_by_hand, resumable, settled
from film.config import Settings
from film.errors import FilmError
from film.project import Artifact, Project
from film.schema import Shot, ShotList
from film.stages.base import LeftOut
from film.stages.references import references_for
from film.stages.table import SHOT_STAGES, STAGES, Stage, items_of, key_of, stage

#: states a run changes: it makes these again (or, for pending/running, collects them)
TO_MAKE = frozenset({"stale", "missing", "failed", "retry"})
CHANGING = TO_MAKE | {"pending", "running"}
#: the states, for a legend: what each means
STATES: dict[str, str] = {
    "done": "current", "stale": "its inputs, its provider or what it reads changed",
    "missing": "not made yet", "failed": "the last attempt failed",
    "manual": "placed or edited by hand (kept)",
    "fallback": "an offline stand-in kept (the provider refused the prompt)",
    "retry": "an offline stand-in the next run replaces", "running": "a remote job under way",
    "pending": "a paid remote job the next run collects",
    "waiting": "several takes: choose one (film choose), then film run goes on",
    "-": "not needed for this shot",
}


def project_status(project: Project, shot_list: ShotList | None, settings: Settings,
                   options: Any = None) -> dict[str, Any]:
    """Rows {shot_id, <stage>: state} for the per-shot stages, the film-wide stages' states,
    and `final` (the state of final.mp4)."""
    from film.build.runner import project_options

    options = options or project_options(settings, project, check_music=False)
    engine = Engine(project, shot_list, options, settings)
    running = project.is_locked()
    waiting = _waiting(engine) if shot_list is not None else {}
    rows = []
    for shot in shot_list.shots if shot_list is not None else []:
        row: dict[str, Any] = {"shot_id": shot.shot_id}
        for name in SHOT_STAGES:
            st = stage(name)
            row[name] = artifact_state(engine, st, shot, running) \
                if st.applies(shot) and name in options.stages else "-"
            if shot.shot_id in waiting.get(name, ()):
                row[name] = "waiting"
            if row[name] in ("done", "fallback") and any(
                    row.get(dep) in CHANGING for dep in st.depends):
                row[name] = "stale"  # what it reads will change, so will it
        row["takes"] = _takes_row(engine, shot.shot_id)
        rows.append(row)
    film = {}
    for st in STAGES:
        if st.scope != "film" or not _relevant(engine, st) \
                or (st.chain == "film" and st.name not in options.stages):
            continue
        state = artifact_state(engine, st, None, running)
        if state in ("done", "fallback") and any(
                row.get(dep) in CHANGING for row in rows for dep in st.depends):
            state = "stale"
        film[st.name] = state
    return {
        "project": str(project.root), "shots": rows, "film": film,
        "workflow": {"name": options.workflow or "film", "state": _run_state(
            rows, film, waiting, running, options), "waiting": waiting},
        "scenes": [{"scene_id": r.pop("key"), **r} for r in scope_rows(engine, "scene", running)],
        "references": _reference_rows(engine, running, shot_list is not None),
        "final": film.get("compose", "missing"),
        "total_cost_usd": engine.manifest.total_cost, "metrics": engine.manifest.metrics,
    }


def _reference_rows(engine: Engine, running: bool, has_shots: bool) -> list[dict[str, Any]]:
    """Each character's sheet and each location's plate, and the shots that use it."""
    if not has_shots:
        return []
    uses = {s.shot_id: {(r.kind, r.key) for r in references_for(engine, s)}
            for s in engine.shot_list.shots}
    rows = []
    for scope, name in (("character", "sheets"), ("location", "plates")):
        for row in scope_rows(engine, scope, running):
            used = [shot_id for shot_id, refs in uses.items() if (scope, row["key"]) in refs]
            rows.append({"kind": scope, "key": row["key"], "state": row[name], "shots": used})
    return rows


def _waiting(engine: Engine) -> dict[str, list[str]]:
    """Per stage a `choose` step of the project's workflow waits on: the items waiting."""
    from film.build.workflows import followed, waiting_items

    flow = followed(engine.project)
    if flow is None:
        return {}
    return {step.choose: waiting_items(engine, step.choose) for step in flow[0].steps
            if step.choose}


def _run_state(rows: list[dict[str, Any]], film: dict[str, str],
               waiting: dict[str, list[str]], running: bool, options: Any) -> str:
    """The run's state: running, waiting for a choice, failed, done or pending."""
    states = {row[name] for row in rows for name in SHOT_STAGES} | set(film.values())
    if running:
        return "running"
    if any(waiting.values()):
        return "waiting for a choice"
    if "failed" in states:
        return "failed"
    return "pending" if states & TO_MAKE or "pending" in states else "done"


def _takes_row(engine: Engine, key: str) -> dict[str, Any]:
    """Per stage with takes: how many takes the shot has, which one is used and who chose it."""
    found = {}
    for name in SHOT_STAGES:
        st = stage(name)
        takes = engine.takes_of(st, key) if st.takes else None
        if takes is not None and takes.takes:
            found[name] = {"count": len(takes.takes), "chosen": takes.chosen, "by": takes.by,
                           "set_aside": sorted(n for n, t in takes.takes.items()
                                               if t.discarded and n != takes.chosen)}
    return found


def _take_under_way(engine: Engine, st: Stage, key: str) -> Artifact | None:
    """The entry of a take of the chosen variant that a run submitted or failed to make,
    while the stage's own file is not there yet."""
    takes = engine.takes_of(st, key)
    variant = takes.variant() if takes.chosen is not None else 0
    for number, take in sorted(takes.takes.items(), reverse=True):
        path = st.take_path(engine.project.root, key, number)
        found = engine.manifest.artifacts.get(engine.project.rel(path))
        if take.variant == variant and found is not None \
                and found.status in ("submitted", "failed"):
            return found
    return None


def _relevant(engine: Engine, st: Stage) -> bool:
    """A film-wide stage has a state to show when its artifact is recorded as its own (or,
    unrecorded, it is the first stage writing that file); the final film always has one."""
    out = engine.output_of(st)
    entry = engine.manifest.artifacts.get(engine.project.rel(out))
    if st.kind == "compose":
        return True
    if entry is not None:
        return entry.stage == st.name
    first = next(s for s in STAGES if s.output == st.output)
    return out.exists() and first is st


def scope_rows(engine: Engine, scope: str, running: bool) -> list[dict[str, Any]]:
    """Per item of a scope (a scene of a story, a character, a location), each of its
    stages' state; none when the film has no such items."""
    try:
        items = items_of(scope, engine)
    except FilmError:
        return []
    names = [st.name for st in STAGES if st.scope == scope]
    rows = []
    for item in items:
        row: dict[str, Any] = {"key": key_of(scope, item)}
        for name in names:
            st = stage(name)
            row[name] = artifact_state(engine, st, item, running)
            if row[name] in ("done", "fallback") and any(
                    row.get(dep) in CHANGING for dep in st.depends):
                row[name] = "stale"
        rows.append(row)
    return rows


def artifact_state(engine: Engine, st: Stage, shot: Shot | None, running: bool) -> str:
    """One artifact's state (see STATES)."""
    key = key_of(st.scope, shot) if shot is not None else None
    out: Path = engine.output_of(st, key)
    entry = settled(engine.manifest.artifacts.get(engine.project.rel(out)), out)
    if st.takes and key is not None and (entry is None or not out.is_file()):
        entry = _take_under_way(engine, st, key) or entry
    if entry is None:
        return "manual" if out.is_file() else "missing"
    if entry.status == "submitted":
        return "running" if running else "pending"
    if entry.status == "failed":
        return "failed"
    if not out.is_file():
        return "missing"
    if entry.provider == "manual" or placed_by_hand(entry, out):
        return "manual"
    provider = engine.provider(st)  # the one the next run uses
    if st.takes and shot is not None:
        takes = engine.takes_of(st, key)  # type: ignore[arg-type]
        if engine.choice_stands(st, shot, takes, provider):
            return "done" if entry.meta.get("take") == takes.chosen else "stale"
    try:
        _request, inputs = st.plan(engine, shot, provider)
    except LeftOut:
        return "failed"  # what it is made from failed: the film leaves the shot out
    except (FilmError, OSError):
        # a document stands as it is when the next run would not remake it (no description)
        return "done" if st.document else "stale"
    current = input_hash_of(st.name, provider, inputs)
    if is_current(entry, current, out, provider,
                  tuple(engine.project.root / name for name in st.extra_outputs)):
        return "fallback" if entry.fallback else "done"
    if resumable(entry, current, provider):
        return "pending"
    return "retry" if entry.fallback and entry.input_hash == current else "stale"
