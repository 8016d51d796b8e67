"""Find what a name given on the command line means in a project: a shot, or the character
or location it names, and the shots that use it (`film regen --character`, `film choose`)."""

from __future__ import annotations

from typing import Any, Literal

from film.build.engine import Engine
from film.config import Settings
from film.errors import InputError
from film.project import Project
from film.providers.contract import Reference
from film.schema import ShotList
from film.stages.references import characters_of, locations_of, references_for
from film.stages.table import Stage, stage
from film.text import call_name, slug

Kind = Literal["character", "location"]


def reference_users(project: Project, shot_list: ShotList, settings: Settings, kind: Kind,
                    name: str) -> tuple[str, list[str]]:
    """The key of the character (or location) called `name` (its full name, the name it is
    called by, or its key; any case) and the ids of the shots that use it, in film order.

    InputError naming the known ones when nothing is called that."""
    from film.build.runner import project_options

    engine = Engine(project, shot_list, project_options(settings, project, check_music=False),
                    settings)
    ref = find_reference(engine, kind, name)
    return ref.key, shots_using(engine, ref)


def item_named(engine: Engine, st: Stage, name: str) -> tuple[Any, list[str]]:
    """The item of `st`'s scope called `name` (a shot id, a character, a location) and the
    shots that use it (a shot: itself)."""
    if st.scope == "shot":
        shot = engine.shot_list.shot(name)  # InputError naming the known ids
        return shot, [shot.shot_id]
    ref = find_reference(engine, st.scope, name)  # type: ignore[arg-type]
    return ref, shots_using(engine, ref)


def find_reference(engine: Engine, kind: Kind, name: str) -> Reference:
    """The character or location called `name`; InputError naming the known ones."""
    if not engine.uses_references():
        raise InputError(f"this film's stills are not made from references (its image "
                         f"provider, {engine.provider_name(stage('images'))}, takes none)",
                         hint="Redo its shots with --shot ID, or choose an image provider "
                         "that uses references (offline, composite).")
    known = characters_of(engine) if kind == "character" else locations_of(engine)
    wanted = name.strip().casefold()
    ref = next((r for r in known if wanted in {r.key.casefold(), r.name.casefold(),
                                               call_name(r.name).casefold()}
                or slug(name, kind) == r.key), None)
    if ref is None:
        names = ", ".join(r.name for r in known) or "none"
        raise InputError(f"no {kind} called {name!r} in this film",
                         hint=f"Its {kind}s: {names}.")
    return ref


def shots_using(engine: Engine, ref: Reference) -> list[str]:
    """The ids of the shots whose stills use this reference, in film order."""
    return [s.shot_id for s in engine.shot_list.shots
            if any(r.kind == ref.kind and r.key == ref.key for r in references_for(engine, s))]
