"""`film run` with an OpenRouter model (respx): the LLM's cost lands in the project's ledger
and metrics, and --max-cost is checked before the LLM is called."""

from __future__ import annotations

import json

import httpx
import respx
from click.testing import CliRunner

from film.cli import cli

from shotlists import make_shots

URL = "https://openrouter.ai/api/v1/chat/completions"


def reply() -> httpx.Response:
    shot_list = make_shots(2).model_dump(mode="json", exclude={"usage"})
    return httpx.Response(200, json={
        "id": "gen-1", "model": "anthropic/claude-3-haiku",
        "choices": [{"message": {"role": "assistant", "content": json.dumps(shot_list)},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 400, "total_tokens": 1300,
                  "cost": 0.0123},
    })


@respx.mock
def test_llm_cost_is_recorded_in_the_ledger_and_metrics(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-test")
    route = respx.post(URL).mock(return_value=reply())
    project = tmp_path / "p"
    result = CliRunner().invoke(cli, ["run", "-d", "A keeper climbs a lighthouse.", "-n", "2",
                                      "--model", "claude-3-haiku", "-p", str(project),
                                      "--resolution", "320x180", "--max-cost", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert route.call_count == 1
    manifest = json.loads((project / "manifest.json").read_text())
    assert manifest["ledger"][0]["stage"] == "scenario"
    assert manifest["ledger"][0]["cost_usd"] == 0.0123
    assert manifest["artifacts"]["shots.json"]["model"].endswith("claude-haiku-4.5")
    finished = json.loads(result.stdout.splitlines()[-1])
    assert finished["llm"]["calls"] == 1 and finished["llm"]["cost_usd"] == 0.0123
    assert finished["total_cost_usd"] == 0.0123
    assert "sk-or-test" not in (project / "manifest.json").read_text()


@respx.mock
def test_max_cost_refuses_the_llm_call_before_it_is_made(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-test")
    route = respx.post(URL).mock(return_value=reply())
    result = CliRunner().invoke(cli, ["run", "-d", "A keeper climbs a lighthouse.",
                                      "--model", "claude-3.5-sonnet", "-p", str(tmp_path / "p"),
                                      "--max-cost", "0.0001"])
    assert result.exit_code == 5
    assert "budget cap $0.0001 reached" in result.output and route.call_count == 0
