"""A batch on a Dask distributed cluster: each film is one task on a worker.

`address` is a scheduler (`tcp://HOST:8786`) or `local` (a LocalCluster of worker processes
on this machine). Dask is imported here only, so the rest of film never loads it.

The workers share the batch's output folder (the same path everywhere): each film runs in
its project folder under its lock, and saves each remote job's id before waiting on it. So
when a worker dies in the middle of a film, the scheduler runs the film again on another
worker, which resumes from the manifest and collects the paid jobs instead of paying again.

The client keeps at most as many films in flight as the cluster has worker threads, so no
film waits queued on a worker that might die (which would count against the scheduler's
allowed-failures), and releases each result as soon as it is read (a later death of that
worker would otherwise make the scheduler run the finished film again).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from film import __version__
from film.batch.spec import FilmOutcome, FilmSpec
from film.batch.task import failed, run_film_task
from film.errors import ConfigError
from film.events import EventSink

#: how long a remote scheduler may take to answer, and to have a worker
CONNECT_TIMEOUT_S = 10
WORKERS_TIMEOUT_S = 60


def run_on_cluster(specs: list[FilmSpec], address: str, sink: EventSink,
                   done: Callable[[FilmOutcome], None], *, ledger: str | None = None,
                   workers: int = 2, debug: bool = False) -> list[FilmOutcome]:
    """Run every film as a task on the cluster at `address` ("local": start one here)."""
    distributed = _import()
    if not debug:
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
    client, cluster = _connect(distributed, address, workers, debug)
    try:
        if cluster is None:
            _check(client, address)
        return _run(distributed, client, specs, sink, done, ledger)
    finally:
        _close(client, cluster)


def _import() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ConfigError("--cluster needs Dask distributed, which is not installed",
                          hint="pip install 'film[cluster]' (here, and where the scheduler "
                          "and the workers run).") from exc
    return distributed


def _connect(distributed: Any, address: str, workers: int, debug: bool) -> tuple[Any, Any]:
    """A client of the scheduler at `address`, or of a new LocalCluster (and that cluster)."""
    if address == "local":
        try:
            cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.WARNING if debug else logging.CRITICAL)
        except (RuntimeError, OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot start a local Dask cluster: {exc}",
                              hint="From Python, start the batch under `if __name__ == "
                              "'__main__':` (its workers are new processes); add --debug for "
                              "the details.") from exc
        return distributed.Client(cluster), cluster
    try:
        return distributed.Client(address, timeout=f"{CONNECT_TIMEOUT_S}s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc}",
                          hint="Start one (dask scheduler) and its workers (dask worker "
                          f"{address} --nthreads 1), or use --cluster local.") from exc


def _check(client: Any, address: str) -> None:
    """A remote cluster has a worker, and film at this version where the scheduler and
    every worker run (it unpickles film's task)."""
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
    except (TimeoutError, OSError) as exc:
        raise ConfigError(f"no Dask worker joined the scheduler at {address} in "
                          f"{WORKERS_TIMEOUT_S} s",
                          hint=f"Start workers: dask worker {address} --nthreads 1") from exc
    versions = client.get_versions(packages=["film"])
    found = {"the scheduler": versions["scheduler"]["packages"].get("film")}
    for worker, info in versions["workers"].items():
        found[f"worker {worker}"] = info["packages"].get("film")
    wrong = {where: v for where, v in found.items() if v != __version__}
    if wrong:
        where, version = next(iter(wrong.items()))
        raise ConfigError(f"film {__version__} runs here but {where} has "
                          f"{'no film' if version is None else f'film {version}'}",
                          hint="Install the same film (pip install 'film[cluster]') where the "
                          "scheduler and every worker run, then restart them.")


def _run(distributed: Any, client: Any, specs: list[FilmSpec], sink: EventSink,
         done: Callable[[FilmOutcome], None], ledger: str | None) -> list[FilmOutcome]:
    """Keep at most one film per worker thread in flight; read each result as it comes."""
    run_id = uuid.uuid4().hex[:8]
    todo = list(reversed(specs))
    by_key: dict[str, FilmSpec] = {}
    outcomes: list[FilmOutcome] = []
    flight = distributed.as_completed()

    def submit() -> None:
        spec = todo.pop()
        key = f"film-{spec.name}-{run_id}"
        by_key[key] = spec
        sink.emit("film_started", film=spec.name, line=spec.line)
        flight.add(client.submit(run_film_task, spec, ledger, key=key, pure=False))

    def fill() -> None:
        slots = max(1, sum(client.nthreads().values()))
        while todo and flight.count() < slots:
            submit()

    fill()
    for future in flight:
        spec = by_key.pop(future.key)
        outcome, lost = _read(distributed, future, spec)
        future.release()  # a later death of its worker must not run it again
        outcomes.append(outcome)
        done(outcome)
        if lost:  # the scheduler is gone: nothing more can run
            break
        fill()
    for spec in [*by_key.values(), *reversed(todo)]:
        outcome = _not_run(spec)
        outcomes.append(outcome)
        done(outcome)
    return outcomes


def _read(distributed: Any, future: Any, spec: FilmSpec) -> tuple[FilmOutcome, bool]:
    """The film's outcome, and whether the scheduler was lost."""
    from concurrent.futures import CancelledError

    try:
        return FilmOutcome(**future.result()), False
    except distributed.KilledWorker as exc:
        return _ended(spec, f"the workers running it died {exc.allowed_failures + 1} times; "
                      "run the batch again to resume it"), False
    except CancelledError:
        return _ended(spec, "the connection to the Dask scheduler was lost"), True
    except Exception as exc:  # the task's own error, raised again here
        return failed(spec, exc), False


def _ended(spec: FilmSpec, why: str, status: str = "failed") -> FilmOutcome:
    return FilmOutcome(film=spec.name, line=spec.line, status=status, path=spec.project,
                       error=why, exit_code=1)


def _not_run(spec: FilmSpec) -> FilmOutcome:
    return _ended(spec, "the batch stopped before it ran", "not run")


def _close(client: Any, cluster: Any) -> None:
    import contextlib

    with contextlib.suppress(Exception):
        client.close()
    if cluster is not None:
        with contextlib.suppress(Exception):
            cluster.close()
