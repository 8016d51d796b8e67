"""What travels between the batch and its films (and so to Dask workers, pickled): the
batch's options, one film's spec, one film's outcome."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: the provider choices a batch gives every film (a row's own win)
CHOICES: tuple[str, ...] = ("model", "image_provider", "video_provider", "tts_provider",
                            "reference_provider")


@dataclass(frozen=True)
class BatchOptions:
    """What the batch tells every film."""

    out: Path
    #: films at once (in this process; a cluster runs one per worker thread)
    jobs: int = 4
    #: USD for the whole batch, the films' earlier spend included (None: no cap)
    max_cost: float | None = None
    on_error: str | None = None
    #: parallel calls per remote provider (shared by the films in this process)
    concurrency: int | None = None
    resolution: tuple[int, int] | None = None
    #: provider choices by option name ({"image_provider": "fal"}); a row's own win
    providers: dict[str, str] = field(default_factory=dict)
    shared_cache: bool = True
    #: the film stages to run after the shot list (None: all of them, to final.mp4)
    stages: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FilmSpec:
    """One film of the batch: its row, its folder, the batch's options."""

    line: int
    name: str
    #: the film's project folder (absolute: workers elsewhere see the same path)
    project: str
    #: the row's fields (film.batch.jobs.FilmJob)
    job: dict[str, Any]
    options: BatchOptions
    #: the row's shots file's text, when it starts from one
    shots_text: str | None = None


@dataclass
class FilmOutcome:
    """How one film of the batch ended."""

    film: str
    line: int
    #: done (made now), current (already finished: nothing redone), failed, invalid (a bad
    #: row), not run (the batch stopped first)
    status: str
    path: str
    cost_usd: float = 0.0
    seconds: float = 0.0
    error: str | None = None
    exit_code: int = 0
    #: artifacts made, reused (current or from the shared cache), from the shared cache
    made: int = 0
    reused: int = 0
    shared: int = 0
    #: remote provider calls made
    calls: int = 0
    fallbacks: int = 0
    left_out: int = 0
    #: the process that made it on a cluster ("host:pid"; None: this process)
    worker: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("done", "current")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
