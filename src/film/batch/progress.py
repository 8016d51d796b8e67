"""A batch's progress for a person: on a terminal a bar for the batch and one per film under
way; in CI logs a line when each film starts and when it ends."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from film.events import QuietSink

_MARK = {"done": "made", "current": "already made", "failed": "FAILED", "invalid": "INVALID",
         "not run": "not run"}


class BatchProgress(QuietSink):
    """Shows film_started / film_progress / film_message / film_finished events."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        from rich.console import Console

        self.console = Console(file=stream or sys.stderr, highlight=False)
        self.start = time.monotonic()
        self.progress: Any = None
        self.bars: dict[str, Any] = {}
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.progress = Progress(TextColumn("{task.description:<28}"), BarColumn(),
                                     MofNCompleteColumn(), console=self.console)
            self.batch = self.progress.add_task("films", total=total)
            self.progress.start()

    def emit(self, event: str, **fields: Any) -> None:
        film = str(fields.get("film", ""))
        if event == "film_started":
            if self.progress is not None:
                self.bars[film] = self.progress.add_task(f"  {film[:26]}", total=None)
            else:
                self._line(f"{film}: started (line {fields.get('line')})")
        elif event == "film_progress" and film in self.bars:
            self.progress.update(self.bars[film], total=max(1, fields["planned"]),
                                 completed=fields["done"])
        elif event == "film_message":
            self._line(f"{film}: {fields.get('text')}")
        elif event == "film_finished":
            self._finished(film, fields)

    def _finished(self, film: str, fields: dict[str, Any]) -> None:
        bar = self.bars.pop(film, None)
        if self.progress is not None:
            if bar is not None:
                self.progress.remove_task(bar)
            self.progress.advance(self.batch)
        cost = f" ${fields['cost_usd']:.4f}" if fields.get("cost_usd") else ""
        error = f": {fields['error']}" if fields.get("error") else ""
        self._line(f"{film}: {_MARK.get(fields['status'], fields['status'])} in "
                   f"{fields.get('seconds', 0):.1f}s{cost}{error}")

    def _line(self, text: str) -> None:
        if self.progress is not None:
            self.progress.console.print(text, markup=False)
        else:
            elapsed = time.monotonic() - self.start
            self.console.print(f"[{elapsed:6.1f}s] {text}", markup=False, soft_wrap=True)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
