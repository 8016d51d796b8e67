"""Media prices, cost estimates and the spend ledger with its budget cap.

Media prices are per image, megapixel, second of video, whole video or character of speech,
taken on PRICES_TAKEN. The LLM catalogue (presets and token prices) is in film.scenario.catalogue.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from film.errors import BudgetExceeded

PRICES_TAKEN = "2026-11-21"


# ---- media ---------------------------------------------------------------------------------

MediaUnit = Literal["image", "megapixel", "second", "video", "char"]


@dataclass(frozen=True)
class MediaPrice:
    """The list price of one media model (taken on PRICES_TAKEN)."""

    usd: float
    unit: MediaUnit
    note: str = ""
    #: clip lengths the vendor bills (a 3 s shot asked of a 5/10 s model pays 5 s)
    billed_seconds: tuple[float, ...] = ()


MEDIA_PRICES: dict[str, MediaPrice] = {
    "fal:flux-schnell": MediaPrice(0.003, "megapixel", "FLUX.1 [schnell]"),
    "fal:flux-dev": MediaPrice(0.025, "megapixel", "FLUX.1 [dev]"),
    "fal:minimax": MediaPrice(0.50, "video", "MiniMax video-01 image-to-video, ~6 s"),
    "fal:kling": MediaPrice(0.05, "second", "Kling 1.6 standard image-to-video",
                            billed_seconds=(5.0, 10.0)),
    "replicate:black-forest-labs/flux-schnell": MediaPrice(0.003, "image"),
    "replicate:black-forest-labs/flux-dev": MediaPrice(0.025, "image"),
    "replicate:minimax/video-01": MediaPrice(0.50, "video"),
    "replicate:wavespeedai/wan-2.1-i2v-480p": MediaPrice(0.09, "second"),
    "openai:tts-1": MediaPrice(15.0 / 1_000_000, "char"),
    "openai:tts-1-hd": MediaPrice(30.0 / 1_000_000, "char"),
    "openai:gpt-4o-mini-tts": MediaPrice(12.0 / 1_000_000, "char"),
}


def media_cost(
    name: str, *, width: int = 0, height: int = 0, seconds: float = 0.0, chars: int = 0,
    count: int = 1,
) -> float:
    """The expected USD of `count` generations by media model `name` (0 when unknown/offline)."""
    price = MEDIA_PRICES.get(name)
    if price is None:
        return 0.0
    per = {
        "image": 1.0,
        "megapixel": max(1.0, math.ceil(width * height / 1_000_000)) if width else 1.0,
        "second": _billed(max(seconds, 1.0), price.billed_seconds),
        "video": 1.0,
        "char": float(chars),
    }[price.unit]
    return round(price.usd * per * count, 6)


def _billed(seconds: float, steps: tuple[float, ...]) -> float:
    """The clip length a vendor bills for `seconds` (the next allowed length, or the longest)."""
    if not steps:
        return seconds
    return next((step for step in steps if seconds <= step + 0.5), steps[-1])


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
    "replicate:image": 5.0, "replicate:video": 180.0, "openai:speech": 2.0,
}


def typical_seconds(kind: str, name: str) -> float:
    vendor = name.split(":", 1)[0]
    return TYPICAL_SECONDS.get(name) or TYPICAL_SECONDS.get(f"{vendor}:{kind}") or 5.0
