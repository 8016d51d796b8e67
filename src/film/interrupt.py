"""Stopping cleanly on a signal: SIGTERM (CI time-outs, `docker stop`) and SIGHUP (a closed
terminal) stop a run as Ctrl-C does.

Inside `run(coro)` the signal cancels the work (so every `finally` runs: ffmpeg children are
killed and temporary files removed) and `Interrupted` is raised when it has unwound; outside
an event loop the signal raises `Interrupted` at once (subprocess.run kills its child then).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Coroutine
from typing import Any

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Interrupted(KeyboardInterrupt):
    """A stop asked for by a signal; `signum` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise(signum: int, _frame: Any) -> None:
    raise Interrupted(signum)


def install_handlers() -> None:
    """Make SIGTERM and SIGHUP raise Interrupted (only the main thread can have handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in SIGNALS:
        signal.signal(sig, _raise)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """`asyncio.run(coro)`; a SIGTERM or SIGHUP cancels it and raises Interrupted."""
    received: list[int] = []

    async def main() -> Any:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        installed = []
        for sig in SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, _cancel, sig, task)
                installed.append(sig)
        try:
            return await coro
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            if installed:
                install_handlers()  # remove_signal_handler left the default behind

    def _cancel(signum: int, task: asyncio.Task[Any] | None) -> None:
        received.append(signum)
        if task is not None:
            task.cancel()

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        if received:
            raise Interrupted(received[0]) from None
        raise
