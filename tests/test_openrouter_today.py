"""OpenRouter as its documents describe it today, on a fake server on 127.0.0.1: a structured
request is routed only to a provider that honours the schema (require_parameters), the app is
named with HTTP-Referer and X-OpenRouter-Title, and `film models --refresh` reads every page
of /models and flags presets whose models are gone or about to be."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from film.cli import cli
from film.config import Settings
from film.scenario.catalogue import PRESETS
from film.scenario.contract import ScenarioRequest
from film.scenario.providers import get_scenario_provider

from fakes.remote import FakeServer, Seen, json_reply
from shotlists import make_shots

KEY = "sk-or-v1-TodayTestKey0123456789"


def chat(server: FakeServer) -> None:
    """As OpenRouter routes: without require_parameters a provider that ignores
    response_format may answer (in free text); with it only one that honours it does."""
    def completions(seen: Seen):
        body = seen.json()
        strict = (body.get("provider") or {}).get("require_parameters") is True
        if strict and "response_format" in body:
            content = json.dumps(make_shots(3).model_dump(mode="json", exclude={"usage"}))
        else:
            content = "Sure! Here is a lovely shot list: first a wide shot of the lighthouse..."
        return json_reply({"id": "gen-1", "model": body["model"], "choices": [{
            "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30,
                      "cost": 0.0001}})

    server.route("POST", "/chat/completions", completions)


async def test_a_structured_request_reaches_only_providers_that_honour_it(tmp_path):
    with FakeServer() as server:
        chat(server)
        settings = Settings(_env_file=None, openrouter_api_key=KEY, film_home=tmp_path,
                            openrouter_base_url=server.url)
        provider = get_scenario_provider("claude-3-haiku", settings, use_cache=False)
        result = await provider.generate(ScenarioRequest(description="A keeper climbs.",
                                                         num_shots=3))
        await provider.aclose()
    sent = server.seen[0]
    assert sent.headers["HTTP-Referer"] == settings.openrouter_app_url
    assert sent.headers["X-OpenRouter-Title"] == "film" and "X-Title" not in sent.headers
    body = sent.json()
    assert body["provider"] == {"require_parameters": True}
    assert body["response_format"]["type"] == "json_schema"
    assert body["model"] == "anthropic/claude-haiku-4.5"  # the retired name's successor
    assert len(result.shot_list.shots) == 3 and not result.repaired
    assert any("retired" in note for note in result.notes)


def models_pages(server: FakeServer, gone: str, expiring: str) -> None:
    ids = [p.openrouter_id for p in PRESETS.values() if p.openrouter_id != gone]

    def model(model_id: str) -> dict:
        return {"id": model_id, "context_length": 1000,
                "pricing": {"prompt": "0.000001", "completion": "0.000002"},
                "supported_parameters": ["structured_outputs", "response_format"],
                "expiration_date": "2027-01-14" if model_id == expiring else None}

    def page(seen: Seen):
        if "offset=3" in seen.query:
            return json_reply({"data": [model(i) for i in ids[3:]], "links": {"next": None}})
        return json_reply({"data": [model(i) for i in ids[:3]],
                           "links": {"next": f"{server.url}/models?offset=3&limit=3"}})

    server.route("GET", "/models", page)


def test_refresh_reads_every_page_and_flags_presets(monkeypatch, isolated_env):
    gone, expiring = "google/gemini-3.5-flash", "anthropic/claude-haiku-4.5"
    with FakeServer() as server:
        models_pages(server, gone, expiring)
        monkeypatch.setenv("OPENROUTER_BASE_URL", server.url)
        result = CliRunner().invoke(cli, ["models", "--refresh", "--json"])
        table = CliRunner().invoke(cli, ["models"])
    assert result.exit_code == 0, result.output
    assert [s.query for s in server.seen] == ["", "offset=3&limit=3"]
    cache = json.loads((isolated_env / "openrouter-models.json").read_text())
    assert len(cache["models"]) == len(PRESETS) - 1
    flags = {m["name"]: m["flag"] for m in json.loads(result.stdout)["models"]}
    assert "not on OpenRouter" in flags["gemini-3.5-flash"]
    assert "2027-01-14" in flags["claude-haiku-4.5"]
    assert sum(1 for flag in flags.values() if flag) == 2
    assert "warning: preset gemini-3.5-flash" in result.stderr
    assert "not on OpenRouter" in table.output  # `film models` keeps showing it


def test_refresh_follows_next_only_on_openrouters_host(monkeypatch):
    with FakeServer() as server:
        server.route("GET", "/models", lambda _s: json_reply({
            "data": [], "links": {"next": "https://elsewhere.example/models?page=2"}}))
        monkeypatch.setenv("OPENROUTER_BASE_URL", server.url)
        result = CliRunner().invoke(cli, ["models", "--refresh", "--json"])
    assert result.exit_code == 0 and len(server.seen) == 1


async def test_a_model_openrouter_no_longer_serves_says_what_to_do(tmp_path):
    from film.errors import ProviderError

    def gone(_seen: Seen):
        return json_reply({"error": {"message": "acme/old is deprecated", "code": 404,
                                     "error_type": "not_found", "http_status": 404,
                                     "availability": {"code": "model_deprecated",
                                                      "retryable": False}}}, 404)

    with FakeServer() as server:
        server.route("POST", "/chat/completions", gone)
        settings = Settings(_env_file=None, openrouter_api_key=KEY, film_home=tmp_path,
                            openrouter_base_url=server.url)
        provider = get_scenario_provider("acme/old", settings, use_cache=False)
        with pytest.raises(ProviderError) as info:
            await provider.generate(ScenarioRequest(description="A keeper climbs."))
        await provider.aclose()
    exc = info.value
    assert exc.status == 404 and "film models --refresh" in (exc.hint or "")
    assert KEY not in f"{exc.message} {exc.hint} {exc.body}"
