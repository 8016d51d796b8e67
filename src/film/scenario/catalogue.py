"""The LLM catalogue: preset names users type, what a `--model` value resolves to, token and
cost estimates, and live prices cached by `film models --refresh`.

Prices are USD per million tokens from OpenRouter's `/api/v1/models` as of PRICES_TAKEN (the
models.dev mirror of that API, read on PRICES_READ); OpenRouter's own prices (USD per token as
decimal strings) replace them after a refresh, which also flags presets whose ids have left
OpenRouter or carry an `expiration_date`.

The six names users have typed for years stay typeable: a name whose model was retired
(`RETIRED`) resolves to its nearest successor, and says so in `film models`.
"""

from __future__ import annotations

import difflib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from film.errors import ConfigError

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "PRICES_TAKEN",
    "RETIRED",
    "ModelPreset",
    "ResolvedModel",
    "Retired",
    "cost_from_usage",
    "estimate_scenario_cost",
    "estimate_tokens",
    "load_price_cache",
    "parse_openrouter_models",
    "preset_flags",
    "resolve_model",
    "save_price_cache",
]

#: the date of the OpenRouter model list the preset prices come from, and when it was read
PRICES_TAKEN = "2026-06-30"
PRICES_READ = "2026-12-02"


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


@dataclass(frozen=True)
class Retired:
    """A preset name whose model is gone: the preset that replaces it, the id it named."""

    successor: str
    openrouter_id: str
    why: str


PRESETS: dict[str, ModelPreset] = {
    p.name: p
    for p in [
        ModelPreset("claude-sonnet-4.6", "anthropic/claude-sonnet-4.6", "premium", 3.0, 15.0,
                    1_000_000, "richest cinematic detail, complex scenes", "json_schema"),
        ModelPreset("gpt-5.4-mini", "openai/gpt-5.4-mini", "standard", 0.75, 4.5, 400_000,
                    "multi-character continuity, long scenes", "json_schema"),
        ModelPreset("claude-haiku-4.5", "anthropic/claude-haiku-4.5", "budget", 1.0, 5.0,
                    200_000, "fast drafts and iteration (default with a key)", "json_schema"),
        ModelPreset("gemini-3.5-flash", "google/gemini-3.5-flash", "standard", 1.5, 9.0,
                    1_048_576, "very long descriptions", "json_schema"),
        ModelPreset("llama-3.3-70b", "meta-llama/llama-3.3-70b-instruct", "open", 0.10, 0.32,
                    131_072, "open weights, cheapest", "json_schema"),
        ModelPreset("llama-3.1-70b", "meta-llama/llama-3.1-70b-instruct", "open", 0.4, 0.4,
                    131_072, "open weights, good value", "json_schema"),
    ]
}

#: the default `--model` when OPENROUTER_API_KEY is set (also in providers.registry)
DEFAULT_PRESET = "claude-haiku-4.5"

#: names users know whose models were retired → their nearest successor
RETIRED: dict[str, Retired] = {
    "claude-3.5-sonnet": Retired("claude-sonnet-4.6", "anthropic/claude-3.5-sonnet",
                                 "retired by Anthropic on 2025-10-22"),
    "gpt-4-turbo": Retired("gpt-5.4-mini", "openai/gpt-4-turbo",
                           "shut down by OpenAI on 2026-10-23"),
    "claude-3-haiku": Retired("claude-haiku-4.5", "anthropic/claude-3-haiku",
                              "retired by Anthropic on 2026-04-20"),
    "gpt-3.5-turbo": Retired("gpt-5.4-mini", "openai/gpt-3.5-turbo",
                             "shut down by OpenAI on 2026-10-23"),
    "gemini-pro": Retired("gemini-3.5-flash", "google/gemini-pro-1.5",
                          "Gemini 1.5 was removed from Google's API"),
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
    #: said to the user when the name typed was a retired preset
    note: str | None = None

    @property
    def label(self) -> str:
        if self.provider == "offline":
            return "offline"
        if self.provider == "local":
            return f"ollama:{self.model_id}"
        return self.preset.name if self.preset else self.model_id


def _cache_file(user_dir: Path) -> Path:
    return user_dir / "openrouter-models.json"


def _read_cache(user_dir: Path | None) -> dict[str, Any]:
    if user_dir is None:
        return {}
    try:
        data = json.loads(_cache_file(user_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_price_cache(user_dir: Path | None) -> dict[str, Any]:
    """Prices refreshed by `film models --refresh`, keyed by OpenRouter model id."""
    models = _read_cache(user_dir).get("models", {})
    return models if isinstance(models, dict) else {}


def save_price_cache(user_dir: Path, models: dict[str, Any]) -> Path:
    from film.fsutil import atomic_write_json

    path = _cache_file(user_dir)
    atomic_write_json(path, {"taken_at": time.strftime("%Y-%m-%d"), "models": models})
    return path


def parse_openrouter_models(payload: dict[str, Any]) -> dict[str, Any]:
    """OpenRouter `/models` → {id: {input_per_m, output_per_m, context, structured,
    expiration_date}}.

    OpenRouter gives prices as USD per token in decimal strings ("0.000003"), and
    `expiration_date` (YYYY-MM-DD or null) for a model scheduled to be removed.
    """
    out: dict[str, Any] = {}
    for item in payload.get("data", []):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        pricing = item.get("pricing") or {}
        try:
            prompt = float(pricing.get("prompt", 0) or 0)
            completion = float(pricing.get("completion", 0) or 0)
        except (TypeError, ValueError, AttributeError):
            continue
        params = item.get("supported_parameters") or []
        structured = (
            "json_schema" if "structured_outputs" in params
            else "json_object" if "response_format" in params else "prompt"
        )
        expires = item.get("expiration_date")
        out[item["id"]] = {
            "input_per_m": round(prompt * 1_000_000, 6),
            "output_per_m": round(completion * 1_000_000, 6),
            "context": item.get("context_length"),
            "structured": structured,
            "expiration_date": expires if isinstance(expires, str) else None,
        }
    return out


def preset_flags(user_dir: Path | None) -> dict[str, str]:
    """Preset name → what the last `film models --refresh` found wrong with its id: gone
    from OpenRouter, or scheduled to expire. Empty before any refresh."""
    cache = _read_cache(user_dir)
    models = cache.get("models")
    if not isinstance(models, dict) or not models:
        return {}
    taken = cache.get("taken_at", "the last refresh")
    flags: dict[str, str] = {}
    for preset in PRESETS.values():
        live = models.get(preset.openrouter_id)
        if live is None:
            flags[preset.name] = f"not on OpenRouter on {taken}: pick another model"
        elif live.get("expiration_date"):
            flags[preset.name] = f"OpenRouter removes it after {live['expiration_date']}"
    return flags


def _preset_model(preset: ModelPreset, cache: dict[str, Any],
                  note: str | None = None) -> ResolvedModel:
    live = cache.get(preset.openrouter_id, {})
    return ResolvedModel(
        "openrouter", preset.openrouter_id, preset,
        live.get("input_per_m", preset.input_per_m),
        live.get("output_per_m", preset.output_per_m),
        preset.structured, note,
    )


def resolve_model(name: str, user_dir: Path | None = None) -> ResolvedModel:
    """Turn a `--model` value into a provider and model id; unknown names get "did you mean".

    A retired preset name resolves to its successor, with a note saying so."""
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
    if raw in PRESETS:
        return _preset_model(PRESETS[raw], cache)
    if raw in RETIRED:
        gone = RETIRED[raw]
        successor = PRESETS[gone.successor]
        return _preset_model(successor, cache,
                             f"{raw} ({gone.openrouter_id}) was {gone.why}; using its "
                             f"successor {successor.name} ({successor.openrouter_id})")
    if "/" in raw and " " not in raw:
        live = cache.get(raw, {})
        by_id = {p.openrouter_id: p for p in PRESETS.values()}.get(raw)
        return ResolvedModel(
            "openrouter", raw, by_id,
            live.get("input_per_m", by_id.input_per_m if by_id else 0.0),
            live.get("output_per_m", by_id.output_per_m if by_id else 0.0),
            live.get("structured", by_id.structured if by_id else "json_object"),
        )
    choices = [*PRESETS, *RETIRED, "offline", "ollama:<model>"]
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
