"""What a run reports: per-stage metrics, spend, fallbacks, failures, the final film."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class StageMetrics:
    planned: int = 0
    made: int = 0
    reused: int = 0
    failed: int = 0
    fallback: int = 0
    calls: int = 0
    seconds: float = 0.0  # busy time, summed over concurrent calls
    wall: float = 0.0  # from the stage's first start to its last finish
    cost_usd: float = 0.0
    _first: float | None = None

    def record(self, started: float, ended: float) -> None:
        """Count one made artifact that ran from `started` to `ended` (monotonic clock)."""
        self.made += 1
        self.seconds += ended - started
        self._first = started if self._first is None else min(self._first, started)
        self.wall = max(self.wall, ended - self._first)


@dataclass
class RunSummary:
    """What a run did: per-stage metrics, spend, fallbacks, the final file."""

    stages: dict[str, StageMetrics] = field(default_factory=dict)
    cost_usd: float = 0.0
    total_cost_usd: float = 0.0
    seconds: float = 0.0
    final: Path | None = None
    fallbacks: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)
    shot_seconds: dict[str, float] = field(default_factory=dict)
    llm: dict[str, Any] = field(default_factory=dict)
    #: the error that stopped the run (None: it finished)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "stages": {k: {f: round(x, 4) if isinstance(x, float) else x
                           for f, x in vars(v).items() if not f.startswith("_")}
                       for k, v in self.stages.items()},
            "cost_usd": round(self.cost_usd, 6),
            "total_cost_usd": round(self.total_cost_usd, 6),
            "seconds": round(self.seconds, 3),
            "final": str(self.final) if self.final else None,
            "fallbacks": self.fallbacks,
            "failures": self.failures,
            "skipped": sorted(self.skipped),
            "shot_seconds": {k: round(v, 3) for k, v in self.shot_seconds.items()},
            "llm": self.llm,
            "error": self.error,
        }
