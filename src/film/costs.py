"""The spend ledger with its budget cap, and how long calls typically take.

Prices live with the models: media prices in the media catalogue (film/data/media_models.json,
read by film.providers.catalogue), LLM prices in film.scenario.catalogue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from film.errors import BudgetExceeded

# ---- ledger and budget ------------------------------------------------------------------------


@dataclass
class Budget:
    """Spend so far and an optional cap. Paid calls reserve their estimate first.

    A reservation counts against the cap while the call runs, so concurrent calls can never
    pass it together; `settle` swaps the reservation for the real cost.
    """

    cap: float | None = None
    spent: float = 0.0
    reserved: float = 0.0
    entries: list[dict[str, Any]] = field(default_factory=list)

    def reserve(self, estimate: float, what: str) -> float:
        if estimate <= 0:
            return 0.0
        if self.cap is not None and self.spent + self.reserved + estimate > self.cap + 1e-9:
            under_way = f" and ${self.reserved:.4f} under way" if self.reserved else ""
            raise BudgetExceeded(
                f"budget cap ${self.cap:.4g} reached: {what} would cost about ${estimate:.4f} "
                f"with ${self.spent:.4f} already spent{under_way}",
                spent=self.spent, estimate=estimate, cap=self.cap,
            )
        self.reserved += estimate
        return estimate

    def release(self, reservation: float) -> None:
        self.reserved = max(0.0, self.reserved - reservation)

    def settle(self, reservation: float, actual: float, entry: dict[str, Any]) -> None:
        self.release(reservation)
        self.spent = round(self.spent + actual, 6)
        if actual:
            self.entries.append({**entry, "cost_usd": round(actual, 6), "at": time.time()})


#: rough seconds one call takes (for `film estimate`); offline numbers measured here
TYPICAL_SECONDS: dict[str, float] = {
    "offline:image": 0.3, "offline:video": 1.0, "offline:speech": 0.2,
    "fal:flux-schnell": 3.0, "fal:flux-dev": 10.0, "fal:minimax": 180.0, "fal:kling": 120.0,
    "fal:image": 10.0, "fal:video": 150.0, "replicate:image": 5.0, "replicate:video": 180.0,
    "openai:speech": 2.0, "local:speech": 3.0, "comfyui:image": 20.0, "comfyui:video": 300.0,
    "ffmpeg:normalise": 0.5,
}


def typical_seconds(kind: str, name: str) -> float:
    vendor = name.split(":", 1)[0]
    return TYPICAL_SECONDS.get(name) or TYPICAL_SECONDS.get(f"{vendor}:{kind}") or 5.0
