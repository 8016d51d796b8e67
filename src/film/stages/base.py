"""What a stage's `plan` sees of the run that plans it, and the seed every take starts from.

A plan function is `plan(run, shot, provider) -> (request, inputs)`: the provider call's
request and everything the artifact's input hash covers. The engine is the `Run`; stages
never import it.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from film.config import Settings
    from film.events import EventSink
    from film.project import Manifest, Project
    from film.schema import Shot, ShotList
    from film.stages.options import RunOptions


class Run(Protocol):
    """The run a stage plans for."""

    project: Project
    shot_list: ShotList
    options: RunOptions
    manifest: Manifest
    settings: Settings
    sink: EventSink
    #: the film's frame size (width, height)
    size: tuple[int, int]
    #: every role that ever spoke in the project, in order (voices are cast from it)
    roles: list[str]
    #: shots this run left out (a stage failed with --on-error skip)
    left_out: set[str]
    #: "stage shot: reason" lines of this run's failures
    failures: list[str]
    #: planning only (film estimate): what a plan reads may not be made yet
    dry: bool

    def take(self, key: str, stage: str) -> int:
        """How many times `film regen` redid this artifact (0: never)."""
        ...

    def uses_references(self) -> bool:
        """Whether the run's stills are made from reference sheets and plates."""
        ...


def shot_seed(shot: Shot, take: int = 0) -> int:
    """The shot's seed, or a stable one derived from its id (same shot, same picture); each
    `film regen` of the shot is a new take with the next seed."""
    base = shot.seed if shot.seed is not None else zlib.crc32(shot.shot_id.encode())
    return (base + take) % 2**32


def shots_of(run: Run) -> list[Shot]:
    """The shots this run works on: all of them, or those `film regen` names."""
    only = run.options.only
    return [s for s in run.shot_list.shots if only is None or s.shot_id in only]


class LeftOut(Exception):
    """Raised by a plan when its shot was left out by an earlier failure (an --on-error skip
    run): there is nothing to make, and nothing is wrong; the engine skips the artifact."""


def failed_before(run: Run, shot_id: str) -> bool:
    """Whether the shot's image or clip (or a take of them) failed in an earlier run (an
    --on-error skip run)."""
    return any(entry.stage in ("images", "video") and entry.shot_id == shot_id
               and entry.status in ("failed", "submitted")
               for entry in run.manifest.artifacts.values())
