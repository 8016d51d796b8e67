"""The batch's budget when its films run in several processes (a Dask cluster): a small JSON
ledger on the shared output folder, read and changed only under an OS lock.

It holds the cap, what the batch's films had spent before this batch (`base`), what they
spent since, and what each film has reserved for the paid calls it is making. Every paid
call reserves its estimate here first, exactly as a run's in-memory Budget does, so films on
different machines can never pass the cap together. A film that starts (it holds its
project's lock, so no other process works on it) first forgets the reservations an earlier
attempt of it left behind: a worker killed in the middle of a paid call leaks nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from film.costs import Budget
from film.errors import InputError
from film.fsutil import atomic_write_json, wait_lock


class LedgerBudget(Budget):
    """The Budget of one film of a batch, kept in the ledger file at `path`."""

    def __init__(self, path: str | Path, film: str) -> None:
        super().__init__()
        self.path = Path(path)
        self.film = film
        with self._locked() as data:
            self._show(data)

    @staticmethod
    def create(path: str | Path, cap: float | None, base: float) -> None:
        """Start the ledger of a batch run: the cap, and what its films spent before."""
        atomic_write_json(path, {"cap": cap, "base": round(base, 6), "spent": 0.0,
                                 "reserved": {}})

    def reserve(self, estimate: float, what: str) -> float:
        if estimate <= 0:
            return 0.0
        with self._locked() as data:
            view = self._show(data)
            view.reserve(estimate, what)  # BudgetExceeded: the cap would be passed
            data["reserved"][self.film] = data["reserved"].get(self.film, 0.0) + estimate
            self._show(data)
        return estimate

    def release(self, reservation: float) -> None:
        if reservation <= 0:
            return
        with self._locked() as data:
            self._take_back(data, reservation)
            self._show(data)

    def settle(self, reservation: float, actual: float, entry: dict[str, Any]) -> None:
        with self._locked() as data:
            self._take_back(data, reservation)
            data["spent"] = round(float(data["spent"]) + actual, 6)
            self._show(data)
        if actual:  # the same ledger line a Budget keeps (the run reads the last one)
            self.entries.append({**entry, "cost_usd": round(actual, 6), "at": time.time()})

    def forget_reservations(self) -> None:
        """Drop what an earlier attempt of this film reserved and never settled."""
        with self._locked() as data:
            data["reserved"].pop(self.film, None)
            self._show(data)

    def _take_back(self, data: dict[str, Any], reservation: float) -> None:
        left = data["reserved"].get(self.film, 0.0) - reservation
        if left > 1e-9:
            data["reserved"][self.film] = left
        else:
            data["reserved"].pop(self.film, None)

    def _show(self, data: dict[str, Any]) -> Budget:
        """Mirror the ledger in this object's fields (messages read them); a Budget view."""
        self.cap = data["cap"]
        self.spent = round(float(data["base"]) + float(data["spent"]), 6)
        self.reserved = round(sum(data["reserved"].values()), 6)
        return Budget(cap=self.cap, spent=self.spent, reserved=self.reserved)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        """The ledger's content under its lock; what the block changes is written back."""
        fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            wait_lock(fd)
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(f"the batch's budget ledger {self.path} cannot be read: "
                                 f"{exc}") from exc
            before = json.dumps(data, sort_keys=True)
            yield data
            if json.dumps(data, sort_keys=True) != before:
                atomic_write_json(self.path, data)
        finally:
            os.close(fd)  # closing the descriptor releases the lock


