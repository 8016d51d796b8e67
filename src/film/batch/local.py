"""A batch in this process: the films as tasks of one event loop, `jobs` at a time, sharing
one budget, one bound per remote provider, the bound on local work and one HTTP client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from film.batch.engine import Shared
from film.batch.spec import BatchOptions, FilmOutcome, FilmSpec
from film.batch.task import failed, run_film
from film.config import Settings
from film.costs import Budget
from film.events import EventSink


async def run_here(specs: list[FilmSpec], settings: Settings, options: BatchOptions,
                   sink: EventSink, done: Callable[[FilmOutcome], None],
                   spent_before: float = 0.0) -> list[FilmOutcome]:
    """Run every film, at most `options.jobs` at once; a film that fails never stops the
    others. `done` is told each outcome as it comes."""
    from film.vendors.http import make_client

    budget = Budget(cap=options.max_cost, spent=spent_before) \
        if options.max_cost is not None else None
    async with make_client(settings.film_http_timeout) as client:
        shared = Shared(budget=budget, limits={},
                        concurrency=options.concurrency or settings.film_concurrency_remote,
                        local=asyncio.Semaphore(settings.local_workers), http=client)
        return await _all(specs, settings, shared, max(1, options.jobs), sink, done)


async def _all(specs: list[FilmSpec], settings: Settings, shared: Shared, jobs: int,
               sink: EventSink, done: Callable[[FilmOutcome], None]) -> list[FilmOutcome]:
    gate = asyncio.Semaphore(jobs)

    async def one(spec: FilmSpec) -> FilmOutcome:
        async with gate:
            sink.emit("film_started", film=spec.name, line=spec.line)
            try:
                outcome = await run_film(spec, settings, shared, sink)
            except Exception as exc:  # a bug in one film: the others go on
                outcome = failed(spec, exc)
            done(outcome)
            return outcome

    tasks = [asyncio.ensure_future(one(spec)) for spec in specs]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
