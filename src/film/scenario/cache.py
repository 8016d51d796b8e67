"""A disk cache of LLM replies with single-flight de-duplication, and description fitting.

Keys are the sha256 of the canonical JSON of (base_url, model, messages, parameters), so the
same request to the same server and model is answered from disk for free. Entries are JSON
files written atomically under `<user dir>/llm-cache/<2 hex>/<key>.json`; they expire after
`max_age_days` and the oldest go when there are more than `max_entries`. Identical requests
running at the same time in one process share one in-flight call (across every cache object
on the same folder). Only successful results are stored: a failure is never replayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

from film.errors import FilmError
from film.fsutil import atomic_write_json
from film.scenario.catalogue import TOKENS_PER_WORD, estimate_tokens

Source = Literal["call", "disk", "inflight"]


def cache_key(base_url: str, model: str, messages: list[dict[str, Any]],
              params: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of everything that determines the reply."""
    blob = json.dumps(
        {"base_url": base_url.rstrip("/"), "model": model, "messages": messages,
         "params": params},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    ).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


#: calls under way in this process, by cache folder and key (single flight across caches)
_INFLIGHT: dict[str, asyncio.Task[dict[str, Any]]] = {}
#: every this many stores, the folder is pruned (expired entries, then the oldest)
PRUNE_EVERY = 50


class LLMCache:
    """Replies on disk plus in-process single-flight. Counters: hits, misses, calls."""

    def __init__(self, directory: str | Path, *, max_entries: int = 5000,
                 max_age_days: float = 30.0) -> None:
        self.directory = Path(directory)
        self.max_entries = max_entries
        self.max_age = max_age_days * 86_400
        self.hits = 0
        self.misses = 0
        self.calls = 0
        self.write_errors = 0
        self._stores = 0

    def path_for(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored payload for `key`, or None (a corrupt entry counts as absent)."""
        try:
            entry = json.loads(self.path_for(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        created = entry.get("created")
        if not isinstance(created, (int, float)) or time.time() - created > self.max_age:
            return None  # expired
        payload = entry.get("payload")
        return payload if isinstance(payload, dict) else None

    def put(self, key: str, payload: dict[str, Any], meta: dict[str, Any] | None = None) -> None:
        """Store `payload` atomically; a failed write is counted, never raised."""
        entry = {"key": key, "created": time.time(), **(meta or {}), "payload": payload}
        try:
            atomic_write_json(self.path_for(key), entry)
        except (FilmError, OSError):
            self.write_errors += 1
        self._stores += 1
        if self._stores % PRUNE_EVERY == 1:
            self.prune()

    def prune(self) -> int:
        """Delete expired entries, then the oldest beyond `max_entries`; returns how many."""
        now = time.time()
        files = []
        for path in self.directory.glob("??/*.json"):
            try:
                files.append((path.stat().st_mtime, path))
            except OSError:
                continue
        files.sort()
        doomed = [p for mtime, p in files if now - mtime > self.max_age]
        alive = len(files) - len(doomed)
        doomed += [p for _, p in files if p not in doomed][:max(0, alive - self.max_entries)]
        for path in doomed:
            with contextlib.suppress(OSError):
                path.unlink()
        return len(doomed)

    async def get_or_call(
        self,
        key: str,
        call: Callable[[], Awaitable[dict[str, Any]]],
        meta: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], Source]:
        """The payload for `key` from memory of an in-flight call, from disk, or by calling.

        Returns (payload, source). Concurrent callers with one key share one call; if that call
        fails they all see its error and nothing is stored.
        """
        flight = f"{self.directory}:{key}"
        task = _INFLIGHT.get(flight)
        if task is not None and task.get_loop() is not asyncio.get_running_loop():
            task = None  # left by an earlier event loop
        if task is not None:
            self.hits += 1
            return await asyncio.shield(task), "inflight"
        stored = self.get(key)
        if stored is not None:
            self.hits += 1
            return stored, "disk"
        self.misses += 1
        self.calls += 1

        async def run() -> dict[str, Any]:
            try:
                payload = await call()
                self.put(key, payload, meta)
                return payload
            finally:
                _INFLIGHT.pop(flight, None)

        task = asyncio.ensure_future(run())
        task.add_done_callback(_consume_exception)
        _INFLIGHT[flight] = task
        return await asyncio.shield(task), "call"

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "calls": self.calls}


def _consume_exception(task: asyncio.Task[Any]) -> None:
    """Mark a failed task's exception as seen (its awaiters re-raise it themselves)."""
    if not task.cancelled():
        task.exception()


#: tokens the user message adds around the description (instructions, field list)
USER_TEMPLATE_TOKENS = 450


def fit_description(
    description: str, context_tokens: int, reserved_tokens: int
) -> tuple[str, str | None]:
    """Keep the start of an over-long description so the prompt fits the model's context.

    `reserved_tokens` covers the system prompt, the message template and the reply. Returns
    (description, note); note is None when nothing was cut, else says what was kept.
    """
    budget = max(200, context_tokens - reserved_tokens)
    if estimate_tokens(description) <= budget:
        return description, None
    words = description.split()
    keep = max(1, math.floor(budget / TOKENS_PER_WORD))
    kept = " ".join(words[:keep])
    end = max(kept.rfind(". "), kept.rfind("! "), kept.rfind("? "))
    if end > len(kept) // 2:
        kept = kept[:end + 1]
    kept_words = len(kept.split())
    note = (
        f"the description was truncated to its first {kept_words} of {len(words)} words "
        f"to fit the model's {context_tokens:,}-token context; plan from what is given"
    )
    return kept, note
