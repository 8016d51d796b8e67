"""The retry policy every provider shares (kept free of httpx so importing it is cheap)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RetryPolicy:
    """How often and how long to retry. `sleep` is injectable so tests never wait."""

    max_attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_total_wait: float = 90.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for the given (1-based) failed attempt."""
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return self.rng.uniform(cap / 2, cap)

    @classmethod
    def from_settings(cls, settings: Any) -> RetryPolicy:
        """The policy FILM_MAX_ATTEMPTS and FILM_MAX_RETRY_WAIT describe."""
        return cls(max_attempts=settings.film_max_attempts,
                   max_total_wait=settings.film_max_retry_wait)
