"""Running many jobs at once: stop cleanly on the first error."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from film.errors import BudgetExceeded


async def gather_or_cancel(jobs: list[Coroutine[Any, Any, Any]]) -> list[Any]:
    """Run jobs concurrently; on the first error cancel the rest, wait for them, re-raise.

    A BudgetExceeded does not cancel: calls under way finish and are kept. Cancelled jobs
    leave their submitted remote ids in the manifest, so a rerun collects them.
    """
    tasks = [asyncio.ensure_future(job) for job in jobs]
    if not tasks:
        return []
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    failed = [t for t in done if not t.cancelled() and t.exception() is not None]
    if failed and all(isinstance(t.exception(), BudgetExceeded) for t in failed):
        # The cap was reached: let calls already under way finish (they are paid for);
        # the engine starts no new paid call, so the rest end quickly.
        await asyncio.gather(*pending, return_exceptions=True)
        raise failed[0].exception()  # type: ignore[misc]
    if failed:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        errors = [t.exception() for t in failed]
        budget = [e for e in errors if isinstance(e, BudgetExceeded)]
        raise (budget or errors)[0]  # type: ignore[misc]
    return [t.result() for t in tasks]
