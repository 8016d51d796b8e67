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
class LLMMetrics:
    """LLM use: calls made, answers from the reply cache, latency, tokens, cost."""

    calls: int = 0
    cache_hits: int = 0
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    repairs: int = 0
    model: str | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, llm: dict[str, Any]) -> None:
        """Count one artifact's LLM facts (its meta["llm"])."""
        self.calls += int(llm.get("calls", 0) or 0)
        self.cache_hits += int(llm.get("cache_hits", int(bool(llm.get("cache_hit")))) or 0)
        self.latency_s += float(llm.get("latency_s", 0.0) or 0.0)
        self.prompt_tokens += int(llm.get("prompt_tokens", 0) or 0)
        self.completion_tokens += int(llm.get("completion_tokens", 0) or 0)
        self.cost_usd += float(llm.get("cost_usd", 0.0) or 0.0)
        self.repairs += int(llm.get("repairs", int(bool(llm.get("repaired")))) or 0)
        self.model = llm.get("model") or self.model
        self.notes += [n for n in llm.get("notes", []) if n not in self.notes]

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "calls": self.calls, "cache_hits": self.cache_hits,
                "cache_hit": self.cache_hits > 0 and self.calls == 0,
                "latency_s": round(self.latency_s, 3), "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "cost_usd": round(self.cost_usd, 6), "repairs": self.repairs,
                "repaired": self.repairs > 0, "notes": self.notes}


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
    #: LLM use per scene of a story ("film" for the film-wide levels)
    llm_by_key: dict[str, LLMMetrics] = field(default_factory=dict)
    #: the error that stopped the run (None: it finished)
    error: str | None = None

    def count_llm(self, key: str, llm: dict[str, Any]) -> None:
        """Add one artifact's LLM facts to its scene's (or the film's) and to the run's."""
        self.llm_by_key.setdefault(key, LLMMetrics()).add(llm)
        total = LLMMetrics()
        for metrics in self.llm_by_key.values():
            total.add(metrics.as_dict())
        self.llm = total.as_dict()

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
            "llm_per_scene": {k: v.as_dict() for k, v in self.llm_by_key.items()},
            "error": self.error,
        }
