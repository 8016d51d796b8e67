import pytest

from film.costs import Budget, media_cost
from film.errors import BudgetExceeded, ConfigError
from film.scenario.catalogue import (
    PRESETS,
    estimate_scenario_cost,
    parse_openrouter_models,
    resolve_model,
    save_price_cache,
)


def test_six_presets_with_prices_and_ids():
    assert set(PRESETS) == {"claude-3.5-sonnet", "gpt-4-turbo", "claude-3-haiku",
                            "gpt-3.5-turbo", "llama-3.1-70b", "gemini-pro"}
    for preset in PRESETS.values():
        assert "/" in preset.openrouter_id and preset.output_per_m > 0


def test_resolve_names():
    assert resolve_model("offline").provider == "offline"
    local = resolve_model("ollama:llama3.1")
    assert (local.provider, local.model_id) == ("local", "llama3.1")
    preset = resolve_model("claude-3-haiku")
    assert preset.model_id == "anthropic/claude-3-haiku" and preset.input_per_m == 0.25
    raw = resolve_model("mistralai/mistral-large")
    assert raw.provider == "openrouter" and raw.model_id == "mistralai/mistral-large"


def test_unknown_model_suggests_close_names():
    with pytest.raises(ConfigError) as info:
        resolve_model("claude-3-haiku2")
    assert "claude-3-haiku" in info.value.hint


def test_estimate_formula():
    model = resolve_model("claude-3.5-sonnet")
    est = estimate_scenario_cost(model, "one two three four five six seven eight nine ten", 5)
    assert est["input_tokens"] == 800 + 13
    assert est["output_tokens"] == 1000
    assert est["cost_usd"] == pytest.approx((813 * 3 + 1000 * 15) / 1e6)


def test_refreshed_prices_override_presets(tmp_path):
    payload = {"data": [{"id": "anthropic/claude-3-haiku", "context_length": 200000,
                         "pricing": {"prompt": "0.0000005", "completion": "0.000002"},
                         "supported_parameters": ["structured_outputs", "response_format"]}]}
    models = parse_openrouter_models(payload)
    assert models["anthropic/claude-3-haiku"]["input_per_m"] == pytest.approx(0.5)
    save_price_cache(tmp_path, models)
    resolved = resolve_model("claude-3-haiku", tmp_path)
    assert resolved.output_per_m == pytest.approx(2.0)


def test_media_costs():
    assert media_cost("offline") == 0
    assert media_cost("fal:flux-schnell", width=1280, height=720) == pytest.approx(0.003)
    assert media_cost("fal:kling", seconds=5) == pytest.approx(0.25)
    assert media_cost("openai:tts-1", chars=1000) == pytest.approx(0.015)


def test_budget_reserves_so_concurrent_calls_cannot_pass_the_cap():
    budget = Budget(cap=1.0)
    first = budget.reserve(0.6, "a")
    with pytest.raises(BudgetExceeded):
        budget.reserve(0.6, "b")
    budget.settle(first, 0.5, {"stage": "images"})
    assert budget.spent == 0.5 and budget.reserved == 0
    budget.reserve(0.5, "c")
    assert budget.entries[0]["cost_usd"] == 0.5
