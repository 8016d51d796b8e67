"""Models and their prices, cost estimates, and the spend ledger with its budget cap.

LLM prices are USD per million tokens; media prices are per image, megapixel, second of
video, whole video or character of speech. Every table carries the date its prices were taken;
`film models --refresh` replaces LLM prices with OpenRouter's live ones (cached per user).
"""

from __future__ import annotations

import difflib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from film.errors import BudgetExceeded, ConfigError

PRICES_TAKEN = "2026-11-21"


@dataclass(frozen=True)
class ModelPreset:
    """An LLM users can name by a short preset name."""

    name: str
    openrouter_id: str
    tier: str
    input_per_m: float
    output_per_m: float
    context: int
    best_for: str
    structured: Literal["json_schema", "json_object", "prompt"] = "json_object"


PRESETS: dict[str, ModelPreset] = {
    p.name: p
    for p in [
        ModelPreset("claude-3.5-sonnet", "anthropic/claude-3.5-sonnet", "premium", 3.0, 15.0,
                    200_000, "richest cinematic detail, complex scenes", "json_schema"),
        ModelPreset("gpt-4-turbo", "openai/gpt-4-turbo", "premium", 10.0, 30.0, 128_000,
                    "multi-character continuity, long scenes", "json_object"),
        ModelPreset("claude-3-haiku", "anthropic/claude-3-haiku", "budget", 0.25, 1.25,
                    200_000, "fast, cheap drafts and iteration (default with a key)",
                    "json_object"),
        ModelPreset("gpt-3.5-turbo", "openai/gpt-3.5-turbo", "budget", 0.5, 1.5, 16_385,
                    "simple scenes in bulk", "json_object"),
        ModelPreset("llama-3.1-70b", "meta-llama/llama-3.1-70b-instruct", "open", 0.4, 0.4,
                    131_072, "open weights, good value", "json_object"),
        ModelPreset("gemini-pro", "google/gemini-pro-1.5", "standard", 1.25, 5.0, 2_000_000,
                    "very long descriptions", "json_schema"),
    ]
}

# Token estimate used before generation (see `estimate_scenario_cost`).
SYSTEM_PROMPT_TOKENS = 800
TOKENS_PER_WORD = 1.3
OUTPUT_TOKENS_PER_SHOT = 200


@dataclass(frozen=True)
class ResolvedModel:
    """What a `--model` value means: which provider kind and which model id."""

    provider: Literal["offline", "openrouter", "local"]
    model_id: str
    preset: ModelPreset | None = None
    input_per_m: float = 0.0
    output_per_m: float = 0.0
    structured: str = "json_object"

    @property
    def label(self) -> str:
        if self.provider == "offline":
            return "offline"
        if self.provider == "local":
            return f"ollama:{self.model_id}"
        return self.preset.name if self.preset else self.model_id


def _cache_file(user_dir: Path) -> Path:
    return user_dir / "openrouter-models.json"


def load_price_cache(user_dir: Path | None) -> dict[str, Any]:
    """Prices refreshed by `film models --refresh`, keyed by OpenRouter model id."""
    if user_dir is None:
        return {}
    path = _cache_file(user_dir)
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("models", {})
    except (OSError, ValueError):
        return {}


def save_price_cache(user_dir: Path, models: dict[str, Any]) -> Path:
    from film.fsutil import atomic_write_json

    path = _cache_file(user_dir)
    atomic_write_json(path, {"taken_at": time.strftime("%Y-%m-%d"), "models": models})
    return path


def parse_openrouter_models(payload: dict[str, Any]) -> dict[str, Any]:
    """OpenRouter `/models` → {id: {input_per_m, output_per_m, context, structured}}.

    OpenRouter gives prices as USD per token in decimal strings ("0.000003").
    """
    out: dict[str, Any] = {}
    for item in payload.get("data", []):
        pricing = item.get("pricing") or {}
        try:
            prompt = float(pricing.get("prompt", 0) or 0)
            completion = float(pricing.get("completion", 0) or 0)
        except (TypeError, ValueError):
            continue
        params = item.get("supported_parameters") or []
        structured = (
            "json_schema" if "structured_outputs" in params
            else "json_object" if "response_format" in params else "prompt"
        )
        out[item["id"]] = {
            "input_per_m": round(prompt * 1_000_000, 6),
            "output_per_m": round(completion * 1_000_000, 6),
            "context": item.get("context_length"),
            "structured": structured,
        }
    return out


def resolve_model(name: str, user_dir: Path | None = None) -> ResolvedModel:
    """Turn a `--model` value into a provider and model id; unknown names get "did you mean"."""
    raw = name.strip()
    if not raw:
        raise ConfigError("--model is empty")
    if raw == "offline":
        return ResolvedModel("offline", "offline-planner")
    for prefix in ("ollama:", "local:", "lmstudio:"):
        if raw.startswith(prefix):
            model_id = raw[len(prefix):]
            if not model_id:
                raise ConfigError(f"{raw!r} names no model", hint="e.g. ollama:llama3.1")
            return ResolvedModel("local", model_id, structured="json_schema")
    if raw.startswith("openrouter:"):
        raw = raw[len("openrouter:"):]
    cache = load_price_cache(user_dir)
    preset = PRESETS.get(raw)
    if preset:
        live = cache.get(preset.openrouter_id, {})
        return ResolvedModel(
            "openrouter", preset.openrouter_id, preset,
            live.get("input_per_m", preset.input_per_m),
            live.get("output_per_m", preset.output_per_m),
            preset.structured,
        )
    if "/" in raw and " " not in raw:
        live = cache.get(raw, {})
        by_id = {p.openrouter_id: p for p in PRESETS.values()}.get(raw)
        return ResolvedModel(
            "openrouter", raw, by_id,
            live.get("input_per_m", by_id.input_per_m if by_id else 0.0),
            live.get("output_per_m", by_id.output_per_m if by_id else 0.0),
            live.get("structured", by_id.structured if by_id else "json_object"),
        )
    choices = [*PRESETS, "offline", "ollama:<model>"]
    close = difflib.get_close_matches(raw, choices, n=3, cutoff=0.5)
    hint = f"Did you mean {' or '.join(close)}?" if close else "Run `film models` for the list."
    raise ConfigError(
        f"unknown model {raw!r}",
        hint=hint + " Any OpenRouter id (vendor/model) works too.",
    )


def estimate_tokens(text: str) -> int:
    """A word-based token estimate (~1.3 tokens per word), good enough for costs and limits."""
    return math.ceil(len(text.split()) * TOKENS_PER_WORD)


def estimate_scenario_cost(model: ResolvedModel, description: str, num_shots: int) -> dict:
    """Tokens and USD expected for one scenario generation, before it is made."""
    tokens_in = SYSTEM_PROMPT_TOKENS + estimate_tokens(description)
    tokens_out = num_shots * OUTPUT_TOKENS_PER_SHOT
    usd = (tokens_in * model.input_per_m + tokens_out * model.output_per_m) / 1_000_000
    return {"input_tokens": tokens_in, "output_tokens": tokens_out, "cost_usd": round(usd, 6)}


def cost_from_usage(model: ResolvedModel, prompt_tokens: int, completion_tokens: int) -> float:
    return round(
        (prompt_tokens * model.input_per_m + completion_tokens * model.output_per_m) / 1_000_000,
        6,
    )


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
