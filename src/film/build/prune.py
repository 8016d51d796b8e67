"""`film prune`: what a project keeps that its film no longer uses, and removing it.

Prunable are the takes set aside (another one was chosen, or the shot changed since), and
every file of a shot, character or location that is no longer in the film: its still, clip,
voice, reference and all their takes. Chosen takes and everything the film uses stay.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from film.build.engine import Engine
from film.build.takes import take_label
from film.project import Manifest, Project
from film.stages.table import STAGES, Stage, items_of, key_of


@dataclass(frozen=True)
class Prunable:
    """One file that can go, and why."""

    path: Path
    reason: str
    size: int


def prunable(engine: Engine) -> list[Prunable]:
    """Every file the project keeps that its film does not use, in a stable order."""
    found: dict[Path, str] = {}
    for st in STAGES:
        if st.scope in ("film", "scene"):
            continue
        current = {key_of(st.scope, item) for item in items_of(st.scope, engine)}
        gone = _keys_on_disk(engine, st) - current
        if st.scope != "shot" and not engine.uses_references():
            gone = set()  # references the image provider does not read now are kept
        for key in gone:
            for path in _files_of(engine, st, key):
                found.setdefault(path, f"{key} is no longer in the film")
        for key in current:
            for path in _set_aside(engine, st, key):
                found.setdefault(path, "a take set aside")
    return [Prunable(p, why, _size(p)) for p, why in sorted(found.items())]


def prune(engine: Engine, items: list[Prunable]) -> int:
    """Delete these files and forget them in the manifest; returns the bytes freed."""
    freed = 0
    manifest: Manifest = engine.manifest
    for item in items:
        with contextlib.suppress(FileNotFoundError):
            item.path.unlink()
            freed += item.size
        manifest.artifacts.pop(engine.project.rel(item.path), None)
    _forget_takes(engine, {item.path for item in items})
    _remove_empty_folders(engine.project)
    engine.save()
    return freed


def _keys_on_disk(engine: Engine, st: Stage) -> set[str]:
    """The keys (shot ids, character keys) that have a file or take of `st` recorded."""
    keys = {a.shot_id for a in engine.manifest.artifacts.values()
            if a.stage == st.name and a.shot_id}
    keys |= {label.partition("/")[2] for label in engine.manifest.takes
             if label.startswith(f"{st.name}/")}
    folder = engine.project.root / "takes" / st.name
    if folder.is_dir():
        keys |= {p.name for p in folder.iterdir() if p.is_dir()}
    return keys


def _files_of(engine: Engine, st: Stage, key: str) -> list[Path]:
    """The stage's own file for `key` and every take of it."""
    files = [st.path(engine.project.root, key)]
    folder = engine.project.root / "takes" / st.name / key
    if folder.is_dir():
        files += sorted(p for p in folder.iterdir() if p.is_file())
    return [p for p in files if p.is_file()]


def _set_aside(engine: Engine, st: Stage, key: str) -> list[Path]:
    """The files of the takes of `key` that are set aside and not chosen."""
    takes = engine.manifest.takes.get(take_label(st.name, key))
    if takes is None:
        return []
    paths = [st.take_path(engine.project.root, key, number)
             for number, take in takes.takes.items()
             if take.discarded and number != takes.chosen]
    return [p for p in paths if p.is_file()]


def _forget_takes(engine: Engine, removed: set[Path]) -> None:
    """Drop removed takes from their sets, and sets with nothing left."""
    root = engine.project.root
    for label in list(engine.manifest.takes):
        name, _, key = label.partition("/")
        takes = engine.manifest.takes[label]
        st = next((s for s in STAGES if s.name == name), None)
        if st is None:
            continue
        for number in list(takes.takes):
            if st.take_path(root, key, number) in removed:
                del takes.takes[number]
        if takes.chosen not in takes.takes:
            takes.chosen = None
        if not takes.takes:
            del engine.manifest.takes[label]


def _remove_empty_folders(project: Project) -> None:
    takes = project.root / "takes"
    if not takes.is_dir():
        return
    for folder in sorted((p for p in takes.rglob("*") if p.is_dir()), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty
    with contextlib.suppress(OSError):
        takes.rmdir()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
