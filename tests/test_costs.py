import pytest

from film.costs import Budget
from film.errors import BudgetExceeded, ConfigError
from film.providers.catalogue import find_model
from film.providers.registry import DEFAULT_REMOTE
from film.scenario.catalogue import (
    DEFAULT_PRESET,
    PRESETS,
    RETIRED,
    estimate_scenario_cost,
    parse_openrouter_models,
    preset_flags,
    resolve_model,
    save_price_cache,
)

LEGACY = {"claude-3.5-sonnet", "gpt-4-turbo", "claude-3-haiku", "gpt-3.5-turbo",
          "llama-3.1-70b", "gemini-pro"}


def test_the_six_known_names_stay_typeable_and_reach_a_current_model():
    retired_ids = {r.openrouter_id for r in RETIRED.values()}
    for name in LEGACY:
        resolved = resolve_model(name)
        assert resolved.provider == "openrouter" and resolved.preset is not None
        assert resolved.model_id not in retired_ids  # never a model that is gone
        assert resolved.structured == "json_schema" and resolved.output_per_m > 0
    assert set(RETIRED) == LEGACY - {"llama-3.1-70b"}  # llama 3.1 70B is still served
    for name, gone in RETIRED.items():
        assert gone.successor in PRESETS and gone.why
        assert name in resolve_model(name).note and gone.successor in resolve_model(name).note
    for preset in PRESETS.values():
        assert "/" in preset.openrouter_id and preset.output_per_m > 0


def test_default_model_is_a_current_preset_everywhere():
    assert DEFAULT_PRESET in PRESETS and DEFAULT_PRESET not in RETIRED
    for kind in ("scenario", "story"):
        assert DEFAULT_REMOTE[kind] == (("openrouter_api_key", DEFAULT_PRESET),)


def test_resolve_names():
    assert resolve_model("offline").provider == "offline"
    local = resolve_model("ollama:llama3.1")
    assert (local.provider, local.model_id) == ("local", "llama3.1")
    preset = resolve_model("claude-3-haiku")
    assert preset.model_id == "anthropic/claude-haiku-4.5" and preset.input_per_m == 1.0
    assert preset.label == "claude-haiku-4.5"
    assert resolve_model("claude-haiku-4.5").note is None
    raw = resolve_model("mistralai/mistral-large")
    assert raw.provider == "openrouter" and raw.model_id == "mistralai/mistral-large"


def test_refresh_flags_presets_gone_or_expiring(tmp_path):
    assert preset_flags(tmp_path) == {}  # nothing known before a refresh
    listed = {p.openrouter_id: {"pricing": {"prompt": "0", "completion": "0"}}
              for p in PRESETS.values()}
    data = [{"id": i, **v} for i, v in listed.items() if i != "google/gemini-3.5-flash"]
    data[0]["expiration_date"] = "2027-01-14"
    save_price_cache(tmp_path, parse_openrouter_models({"data": data}))
    flags = preset_flags(tmp_path)
    first = next(p.name for p in PRESETS.values() if p.openrouter_id == data[0]["id"])
    assert set(flags) == {"gemini-3.5-flash", first}
    assert "not on OpenRouter" in flags["gemini-3.5-flash"]
    assert "2027-01-14" in flags[first]


def test_unknown_model_suggests_close_names():
    with pytest.raises(ConfigError) as info:
        resolve_model("claude-3-haiku2")
    assert "claude-3-haiku" in info.value.hint


def test_estimate_formula():
    model = resolve_model("claude-sonnet-4.6")
    est = estimate_scenario_cost(model, "one two three four five six seven eight nine ten", 5)
    assert est["input_tokens"] == 800 + 13
    assert est["output_tokens"] == 1000
    assert est["cost_usd"] == pytest.approx((813 * 3 + 1000 * 15) / 1e6)


def test_refreshed_prices_override_presets(tmp_path):
    payload = {"data": [{"id": "anthropic/claude-haiku-4.5", "context_length": 200000,
                         "pricing": {"prompt": "0.0000005", "completion": "0.000002"},
                         "supported_parameters": ["structured_outputs", "response_format"]}]}
    models = parse_openrouter_models(payload)
    assert models["anthropic/claude-haiku-4.5"]["input_per_m"] == pytest.approx(0.5)
    assert models["anthropic/claude-haiku-4.5"]["expiration_date"] is None
    save_price_cache(tmp_path, models)
    resolved = resolve_model("claude-3-haiku", tmp_path)  # a retired name: its successor's
    assert resolved.output_per_m == pytest.approx(2.0)


def test_media_costs_in_each_vendors_unit():
    schnell = find_model("fal", "image", "flux-schnell")
    assert schnell.cost(width=1280, height=720) == pytest.approx(0.003)  # under 1 MP
    assert schnell.cost(width=1920, height=1080) == pytest.approx(0.009)  # 3 started MP
    assert find_model("fal", "video", "kling").cost(seconds=5) == pytest.approx(0.225)
    assert find_model("openai", "speech", "tts-1").cost(chars=1000) == pytest.approx(0.015)


def test_budget_reserves_so_concurrent_calls_cannot_pass_the_cap():
    budget = Budget(cap=1.0)
    first = budget.reserve(0.6, "a")
    with pytest.raises(BudgetExceeded):
        budget.reserve(0.6, "b")
    budget.settle(first, 0.5, {"stage": "images"})
    assert budget.spent == 0.5 and budget.reserved == 0
    budget.reserve(0.5, "c")
    assert budget.entries[0]["cost_usd"] == 0.5
