"""The reference stages: a sheet per character and a plate per location, made once per
project, and what each shot takes from them.

The cast and the places come from the story's bible when there is one, else from the names
and settings in shots.json. A shot's image request carries the sheets of the characters in
frame and the plate of its location; its input hash covers their content, so editing one
character's look redoes its sheet and exactly the shots it appears in.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from film.fsutil import file_digest
from film.providers.contract import Reference, ReferenceRequest
from film.schema import Shot
from film.stages.base import Run
from film.stages.table import stage
from film.story.models import Bible
from film.text import call_name, slug

#: a sheet's size: three full-body views side by side
SHEET_SIZE = (1536, 1024)


def _bible(run: Run) -> Bible | None:
    path = stage("bible").path(run.project.root)
    if not path.is_file():
        return None
    from film.stages.story import read_level

    return read_level(path, Bible, "story bible")


def _shots(run: Run) -> list[Shot]:
    return run.shot_list.shots


def characters_of(run: Run) -> list[Reference]:
    """Every character of the film, in cast order, with the look it is drawn with."""
    from film.offline.identity import cast_appearances

    bible = _bible(run)
    if bible is not None:
        people = [(c.id, c.name, c.visual, c.role) for c in bible.characters]
    else:
        names = list(dict.fromkeys(c.strip() for s in _shots(run) for c in s.characters
                                   if c.strip()))
        people = [(slug(n, "character"), n, "", "") for n in names]
    looks = cast_appearances([(name, visual, role) for _, name, visual, role in people])
    root = run.project.root
    return [Reference(kind="character", key=key, name=name, visual=visual,
                      path=stage("sheets").path(root, key), look=vars(look))
            for (key, name, visual, _role), look in zip(people, looks, strict=True)]


def locations_of(run: Run) -> list[Reference]:
    """Every place a shot is set in, with what it looks like and the light it is mostly in."""
    bible = _bible(run)
    shots = _shots(run)
    keys = list(dict.fromkeys(s.place for s in shots))
    root = run.project.root
    refs = []
    for key in keys:
        at = [s for s in shots if s.place == key]
        place = bible.location(key) if bible is not None else None
        words = " ".join(dict.fromkeys(w for s in at for w in s.landscapes))
        times = Counter((s.time_of_day or "day").lower() for s in at)
        look = {"words": words, "time": times.most_common(1)[0][0],
                "interior": place.interior if place else "interior" in words.lower()}
        refs.append(Reference(
            kind="location", key=key, name=place.name if place else key.replace("-", " "),
            visual=(place.visual or place.description) if place else words,
            path=stage("plates").path(root, key), look=look))
    return refs


def _seed(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")


def plan_sheet(run: Run, ref: Reference, _provider: Any) -> tuple[ReferenceRequest, dict]:
    """A character's sheet: its hash covers its name, its visual description and its look."""
    request = ReferenceRequest(reference=ref, width=SHEET_SIZE[0], height=SHEET_SIZE[1],
                               style=run.shot_list.style, seed=_seed(ref.key))
    return request, request.model_dump(mode="json", exclude={"reference": {"path"}})


def plan_plate(run: Run, ref: Reference, _provider: Any) -> tuple[ReferenceRequest, dict]:
    """A location's plate, at the film's frame size."""
    width, height = run.size
    request = ReferenceRequest(reference=ref, width=width, height=height,
                               style=run.shot_list.style, seed=_seed(ref.key))
    return request, request.model_dump(mode="json", exclude={"reference": {"path"}})


def references_for(run: Run, shot: Shot) -> list[Reference]:
    """The sheets of the characters in the shot (in its order) and its location's plate."""
    cast = characters_of(run)
    found = []
    for name in shot.characters:
        ref = next((r for r in cast if name.strip() in (r.name, call_name(r.name))
                    or slug(name, "character") == r.key), None)
        if ref is not None and ref not in found:
            found.append(ref)
    key = shot.place
    place = next((r for r in locations_of(run) if r.key == key), None)
    return found + ([place] if place is not None else [])


def reference_inputs(refs: list[Reference]) -> list[Any]:
    """What a shot's hash covers of its references: who and where, and each file's content."""
    return [[r.kind, r.key, r.visual, _digest(r.path)] for r in refs]


def _digest(path: Path) -> str | None:
    return file_digest(path) if path.is_file() else None
