"""A batch from start to end: its rows become films, every film is checked before any runs,
the films run here or on a cluster, and `OUT/batch.json` keeps how each one ended."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from film.batch.engine import Shared
from film.batch.jobs import BadRow, Row, explain
from film.batch.spec import BatchOptions, FilmOutcome, FilmSpec
from film.batch.task import film_engine
from film.config import Settings
from film.errors import FilmError
from film.events import EventSink, QuietSink
from film.fsutil import atomic_write_json
from film.project import Project

#: the batch's summary in its output folder (rewritten as each film ends)
SUMMARY = "batch.json"
#: the batch's own files in its output folder (the budget ledger of a cluster run)
WORK = ".film-batch"


@dataclass
class BatchReport:
    """How the batch ended: every film's outcome, in the order of the jobs file."""

    outcomes: list[FilmOutcome]
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 when every film is made; the failures' exit code when they share one (5: the
        budget), else 1."""
        codes = {o.exit_code or 1 for o in self.outcomes if not o.ok}
        if not codes:
            return 0
        return codes.pop() if len(codes) == 1 else 1

    def as_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return {"ok": self.ok, "exit_code": self.exit_code, "films": len(self.outcomes),
                "counts": counts, "seconds": round(self.seconds, 3),
                "cost_usd": round(sum(o.cost_usd for o in self.outcomes), 6),
                "outcomes": [o.as_dict() for o in self.outcomes], **self.extra}


def specs_of(rows: list[Row], options: BatchOptions) -> list[FilmSpec]:
    """One spec per valid row, its project folder under the (absolute) output folder."""
    out = Path(options.out).expanduser().resolve()
    return [FilmSpec(line=row.line, name=row.name, project=str(out / row.name),
                     job=row.job.model_dump(), options=options, shots_text=row.shots_text)
            for row in rows]


def check(specs: list[FilmSpec], settings: Settings, *, keys: bool = True
          ) -> tuple[list[FilmSpec], list[BadRow]]:
    """Every film's options and providers (and, with `keys`, keys and prices) checked
    before any film starts: nothing is written and nothing is paid."""
    good, bad = [], []
    for spec in specs:
        try:
            film_engine(spec, settings, Shared(), QuietSink()).check(keys)
        except (FilmError, ValueError) as exc:
            bad.append(BadRow(spec.line, explain(exc), spec.name))
            continue
        good.append(spec)
    return good, bad


def spent_before(specs: list[FilmSpec]) -> float:
    """What the batch's films have spent in earlier runs (their manifests' ledgers)."""
    total = 0.0
    for spec in specs:
        project = Project.at(spec.project)
        try:
            total += project.load_manifest().total_cost
        except FilmError:
            continue  # a damaged manifest: that film fails when it runs
    return round(total, 6)


def run_batch(specs: list[FilmSpec], settings: Settings, options: BatchOptions,
              sink: EventSink, *, cluster: str | None = None, workers: int = 2,
              invalid: list[BadRow] | None = None, debug: bool = False) -> BatchReport:
    """Run the films (here, or on the Dask cluster at `cluster`); every outcome is kept in
    OUT/batch.json as it comes, the bad rows' too."""
    started = time.monotonic()
    out = Path(options.out).expanduser().resolve()
    if not options.shared_cache:
        settings = settings.model_copy(update={"film_shared_cache": False})
    bad = [_invalid(row, out) for row in invalid or []]
    summary = _Summary(out / SUMMARY, bad, sink)
    before = spent_before(specs)
    if cluster is None:
        from film.batch.local import run_here
        from film.interrupt import run

        outcomes = run(run_here(specs, settings, options, sink, summary.add, before))
    else:
        outcomes = _on_cluster(specs, cluster, options, sink, summary.add, before, workers,
                               debug)
    order = {spec.name: n for n, spec in enumerate(specs)}
    outcomes.sort(key=lambda o: order.get(o.film, 0))
    every = sorted([*bad, *outcomes], key=lambda o: o.line)
    return BatchReport(every, time.monotonic() - started)


def _on_cluster(specs: list[FilmSpec], address: str, options: BatchOptions, sink: EventSink,
                done: Any, before: float, workers: int, debug: bool) -> list[FilmOutcome]:
    """The films on a cluster; with a cap, its budget in a ledger on the shared folder."""
    from film.batch.cluster import run_on_cluster

    ledger = None
    if options.max_cost is not None:
        from film.batch.ledger import LedgerBudget

        work = Path(options.out).expanduser().resolve() / WORK
        work.mkdir(parents=True, exist_ok=True)
        ledger = work / f"budget-{int(time.time() * 1000)}.json"
        LedgerBudget.create(ledger, options.max_cost, before)
    try:
        return run_on_cluster(specs, address, sink, done, workers=workers, debug=debug,
                              ledger=str(ledger) if ledger else None)
    finally:
        if ledger is not None:
            for path in (ledger, ledger.with_suffix(".lock")):
                path.unlink(missing_ok=True)


def _invalid(row: BadRow, out: Path) -> FilmOutcome:
    return FilmOutcome(film=row.name or f"line {row.line}", line=row.line, status="invalid",
                       path=str(out / row.name) if row.name else "", error=row.error,
                       exit_code=2)


class _Summary:
    """OUT/batch.json: each film's outcome, rewritten as each film ends (so a stopped batch
    still says how far it got); `film_finished` events."""

    def __init__(self, path: Path, invalid: list[FilmOutcome], sink: EventSink) -> None:
        self.path = path
        self.sink = sink
        self.started = time.time()
        self.films: dict[str, dict[str, Any]] = {o.film: o.as_dict() for o in invalid}
        for outcome in invalid:
            sink.emit("film_finished", **outcome.as_dict())

    def add(self, outcome: FilmOutcome) -> None:
        self.films[outcome.film] = outcome.as_dict()
        self.sink.emit("film_finished", **outcome.as_dict())
        with contextlib.suppress(FilmError):  # the outcomes still reach the table, --json
            atomic_write_json(self.path, {"started": self.started, "updated": time.time(),
                                          "films": sorted(self.films.values(),
                                                          key=lambda f: f["line"])},
                              sync=False)
