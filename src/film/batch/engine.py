"""The engine of one film of a batch: the usual engine, with what the batch shares.

In one process the films share one Budget (one cap for all of them), one bound per remote
provider (the vendor sees the batch's calls, not each film's), the bound on local ffmpeg work
and one HTTP client. On a cluster each film has its own bounds and client, and shares the
budget through the ledger file (film.batch.ledger).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from film.build.engine import Engine
from film.config import Settings
from film.costs import Budget
from film.events import EventSink
from film.project import Project
from film.stages.options import RunOptions


@dataclass
class Shared:
    """What the films of a batch share (None: each film has its own)."""

    budget: Budget | None = None
    #: one semaphore per remote provider, for every film of this process
    limits: dict[str, asyncio.Semaphore] | None = None
    concurrency: int = 4
    #: the bound on local work (ffmpeg) for every film of this process
    local: asyncio.Semaphore | None = None
    #: one HTTP client (an httpx.AsyncClient) for every film of this process
    http: Any = None

    def starting(self) -> None:
        """A film starts: what an earlier, killed attempt of it reserved is forgotten."""
        forget = getattr(self.budget, "forget_reservations", None)
        if forget is not None:
            forget()


class BatchEngine(Engine):
    """An Engine whose budget and bounds are the batch's."""

    def __init__(self, project: Project, options: RunOptions, settings: Settings,
                 sink: EventSink, shared: Shared) -> None:
        self.shared = shared
        super().__init__(project, None, options, settings, sink)
        if shared.local is not None:
            self._local = shared.local

    def _load(self) -> None:
        super()._load()
        if self.shared.budget is not None:
            self.budget = self.shared.budget

    def limit_for(self, provider: Any) -> asyncio.Semaphore:
        limits = self.shared.limits
        if not provider.remote or limits is None:
            return super().limit_for(provider)
        key = f"{provider.kind}:{provider.name}"
        if key not in limits:
            limits[key] = asyncio.Semaphore(self.shared.concurrency)
        return limits[key]

    def _http_client(self) -> Any:
        if self.shared.http is None:
            return super()._http_client()
        return contextlib.nullcontext(self.shared.http)  # the batch's: pooled, made once

    def check(self, keys: bool = True) -> None:
        """Before the batch starts: build every provider of the film (unknown names stop it
        here) and, with `keys`, check their keys and prices as a run's preflight does."""
        if keys:
            self.preflight()
            return
        for st in self.selected:
            self.provider(st)
