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
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from film.fsutil import file_digest
from film.providers.contract import Reference, ReferenceRequest
from film.schema import Shot
from film.stages.base import Run
from film.stages.table import stage
from film.text import call_name, slug

if TYPE_CHECKING:  # a film without a story never loads the story's models
    from film.story.models import Bible

#: a sheet's size: three full-body views side by side
SHEET_SIZE = (1536, 1024)


def _bible_stamp(run: Run) -> tuple[str, str] | None:
    """The bible file's path and a digest of its content (None: no bible): what the cast and
    the places are remembered under, so each is worked out once per version of the bible."""
    path = stage("bible").path(run.project.root)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return str(path), hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=16)
def _read_bible(stamp: tuple[str, str] | None) -> Bible | None:
    if stamp is None:
        return None
    from film.stages.story import read_level
    from film.story.models import Bible

    return read_level(Path(stamp[0]), Bible, "story bible")


def characters_of(run: Run) -> list[Reference]:
    """Every character of the film, in cast order, with the look it is drawn with (none
    when the run's stills are not made from references)."""
    if not run.uses_references():
        return []
    names = tuple(dict.fromkeys(c.strip() for s in run.shot_list.shots for c in s.characters
                                if c.strip()))
    return list(_cast(str(run.project.root), _bible_stamp(run), names))


@lru_cache(maxsize=16)
def _cast(root: str, stamp: tuple[str, str] | None,
          names: tuple[str, ...]) -> tuple[Reference, ...]:
    from film.offline.identity import cast_appearances

    bible = _read_bible(stamp)
    people = [(c.id, c.name, c.visual, c.role) for c in bible.characters] if bible else []
    # anyone the shots name that the bible does not (a hand-written shot list) is cast too
    for name in names:
        known = (bible and bible.character(name)) or any(
            name in (who, call_name(who)) or slug(name, "character") == key
            for key, who, _, _ in people)
        if not known:
            people.append((slug(name, "character"), name, "", ""))
    looks = cast_appearances([(name, visual, role) for _, name, visual, role in people])
    return tuple(Reference(kind="character", key=key, name=name, visual=visual,
                           path=stage("sheets").path(Path(root), key), look=vars(look))
                 for (key, name, visual, _role), look in zip(people, looks, strict=True))


def locations_of(run: Run) -> list[Reference]:
    """Every place a shot is set in, with what it looks like and the light it is mostly in
    (none when the run's stills are not made from references)."""
    if not run.uses_references():
        return []
    facts = tuple((s.place, tuple(s.landscapes), (s.time_of_day or "day").lower())
                  for s in run.shot_list.shots)
    return list(_places(str(run.project.root), _bible_stamp(run), facts))


@lru_cache(maxsize=16)
def _places(root: str, stamp: tuple[str, str] | None,
            facts: tuple[tuple[str, tuple[str, ...], str], ...]) -> tuple[Reference, ...]:
    bible = _read_bible(stamp)
    refs = []
    for key in dict.fromkeys(place for place, _, _ in facts):
        at = [(words, time) for place, words, time in facts if place == key]
        place = bible.location(key) if bible is not None else None
        words = " ".join(dict.fromkeys(w for ws, _ in at for w in ws))
        times = Counter(time for _, time in at)
        look = {"words": words, "time": times.most_common(1)[0][0],
                "interior": place.interior if place else "interior" in words.lower()}
        refs.append(Reference(
            kind="location", key=key, name=place.name if place else key.replace("-", " "),
            visual=(place.visual or place.description) if place else words,
            path=stage("plates").path(Path(root), key), look=look))
    return tuple(refs)


def _seed(run: Run, ref: Reference, stage_name: str, take: int | None) -> int:
    """A reference's seed: stable per key, offset by the take's variant."""
    base = int.from_bytes(hashlib.sha256(ref.key.encode()).digest()[:4], "big")
    return (base + (run.take(ref.key, stage_name) if take is None else take)) % 2**32


def plan_sheet(run: Run, ref: Reference, _provider: Any,
               take: int | None = None) -> tuple[ReferenceRequest, dict]:
    """A character's sheet: its hash covers its name, its visual description and its look."""
    request = ReferenceRequest(reference=ref, width=SHEET_SIZE[0], height=SHEET_SIZE[1],
                               style=run.shot_list.style, seed=_seed(run, ref, "sheets", take))
    return request, request.model_dump(mode="json", exclude={"reference": {"path"}})


def plan_plate(run: Run, ref: Reference, _provider: Any,
               take: int | None = None) -> tuple[ReferenceRequest, dict]:
    """A location's plate, at the film's frame size."""
    width, height = run.size
    request = ReferenceRequest(reference=ref, width=width, height=height,
                               style=run.shot_list.style, seed=_seed(run, ref, "plates", take))
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
