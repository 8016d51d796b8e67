"""Progress events: what the pipeline reports, and the sinks that show it.

The engine calls `sink.emit(event, **fields)`. Sinks: `RichSink` (bars on stderr for a TTY,
plain lines in CI logs), `JsonSink` (newline-delimited JSON on stdout, for machines),
`MessageSink` (only what a person must read), `QuietSink`, and `ListSink` (collects events;
tests use it).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Protocol, TextIO


class EventSink(Protocol):
    def emit(self, event: str, **fields: Any) -> None: ...

    def close(self) -> None: ...


class QuietSink:
    """Shows nothing (errors still reach the CLI)."""

    def emit(self, event: str, **fields: Any) -> None:
        return None

    def close(self) -> None:
        return None


class ListSink(QuietSink):
    """Keeps every event in `events` (for tests and the Python API)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, event: str, **fields: Any) -> None:
        self.events.append({"event": event, **fields})

    def of(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == event]


class JsonSink(QuietSink):
    """One JSON object per line on stdout: {"event": ..., "t": seconds since start, ...}."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.start = time.monotonic()
        #: whether `run_finished` was written (an error after it needs no event of its own)
        self.finished = False

    def emit(self, event: str, **fields: Any) -> None:
        self.finished = self.finished or event == "run_finished"
        record = {"event": event, "t": round(time.monotonic() - self.start, 3), **fields}
        self.stream.write(json.dumps(record, default=str) + "\n")
        self.stream.flush()


class MessageSink(QuietSink):
    """Only what a person must read (messages, retries, fallbacks), a line each on stderr."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def emit(self, event: str, **fields: Any) -> None:
        if event in ("message", "retry", "fallback", "resumed"):
            line = _describe(event, fields)
            if line:
                print(line, file=self.stream, flush=True)


class RichSink(QuietSink):
    """A progress bar per stage on a terminal; one readable line per event elsewhere."""

    def __init__(self, stream: TextIO | None = None) -> None:
        from rich.console import Console

        self.console = Console(file=stream or sys.stderr, highlight=False)
        self.start = time.monotonic()
        self.spent = 0.0
        self.progress = None
        self.tasks: dict[str, Any] = {}
        if self.console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.progress = Progress(
                TextColumn("[bold]{task.description:<8}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("{task.fields[note]}"),
                console=self.console, transient=False,
            )
            self.progress.start()

    def emit(self, event: str, **fields: Any) -> None:
        if event == "stage_planned" and self.progress is not None:
            self.tasks[fields["stage"]] = self.progress.add_task(
                fields["stage"], total=fields["total"], note=""
            )
            return
        if event == "artifact_done":
            self.spent += fields.get("cost_usd", 0.0) or 0.0
            task = self.tasks.get(fields["stage"])
            if self.progress is not None and task is not None:
                note = f"${self.spent:.3f}" if self.spent else ""
                self.progress.update(task, advance=1, note=note)
                return
        line = _describe(event, fields)
        if line is None:
            return
        if self.progress is not None:
            self.progress.console.print(line, markup=False)
        else:  # CI logs: one line per event, never wrapped mid-message
            elapsed = time.monotonic() - self.start
            self.console.print(f"[{elapsed:6.1f}s] {line}", markup=False, soft_wrap=True)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def _describe(event: str, f: dict[str, Any]) -> str | None:
    """A one-line human description of an event, or None to stay silent."""
    if event == "artifact_done":
        how = "reused" if f.get("cached") else f"{f.get('provider')} {f.get('seconds', 0):.1f}s"
        cost = f" ${f['cost_usd']:.4f}" if f.get("cost_usd") else ""
        mark = " (offline fallback)" if f.get("fallback") else ""
        return f"{f['stage']:<8} {f.get('shot_id') or '':<10} done  {how}{cost}{mark}"
    if event == "artifact_failed":
        return f"{f['stage']:<8} {f.get('shot_id') or '':<10} FAILED {f.get('error')}"
    if event == "fallback":
        return (f"{f['stage']:<8} {f.get('shot_id'):<10} {f.get('provider')} failed "
                f"({f.get('error')}); using the offline result")
    if event == "retry":
        return f"retry    {f.get('what')}: {f.get('message')} (waiting {f.get('delay', 0):.1f}s)"
    if event == "resumed":
        return f"{f['stage']:<8} {f.get('shot_id'):<10} collecting job {f.get('request_id')}"
    if event == "stage_planned":
        return f"{f['stage']:<8} {f['total']} to check"
    if event == "message":
        return str(f.get("text"))
    return None
