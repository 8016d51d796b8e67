"""The LLM catalogue: preset names users type, what a `--model` value resolves to, token and
cost estimates, and live prices cached by `film models --refresh`.

Prices are USD per million tokens, taken on PRICES_TAKEN; OpenRouter's own prices (USD per
token as decimal strings) replace them after a refresh.
"""

from __future__ import annotations

import difflib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from film.costs import PRICES_TAKEN
from film.errors import ConfigError

__all__ = [
    "PRESETS",
    "PRICES_TAKEN",
    "ModelPreset",
    "ResolvedModel",
    "cost_from_usage",
    "estimate_scenario_cost",
    "estimate_tokens",
    "load_price_cache",
    "parse_openrouter_models",
    "resolve_model",
    "save_price_cache",
]


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
