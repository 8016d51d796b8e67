"""The task-style Python API and `film models --refresh`."""

from __future__ import annotations

import json

import httpx
import respx
from click.testing import CliRunner

from film.cli import cli
from film.media.ffmpeg import probe
from pipelines.tasks.film_tasks import (
    ScenarioGenerationTask,
    generate_film,
    generate_scenario_to_shots,
)

DESCRIPTION = "A keeper climbs a lighthouse at dusk. He says \"Almost there.\""


async def test_scenario_task_offline():
    async with ScenarioGenerationTask(model="offline") as task:
        result = await task.generate_from_description(
            description=DESCRIPTION, num_shots=3, style="noir")
    assert len(result.shots) == 3 and result.cost_usd == 0
    assert any(shot.dialogue == "Almost there." for shot in result.shots)


async def test_scenario_to_shots_then_film(tmp_path):
    result, path = await generate_scenario_to_shots(
        DESCRIPTION, tmp_path / "shots.json", model="offline", num_shots=2)
    assert result.model == "offline" and len(result.shots) == 2
    assert json.loads(path.read_text())["shots"][0]["shot_id"] == "shot_001"
    data = json.loads(path.read_text())
    for shot in data["shots"]:
        shot["duration"] = 1.0
    path.write_text(json.dumps(data))
    summary = await generate_film(path, tmp_path / "film", resolution=(320, 180))
    assert summary.final is not None and probe(summary.final).video[0].width == 320
    assert summary.stages["images"].made == 2


@respx.mock
def test_models_refresh_caches_openrouter_prices(isolated_env):
    respx.get("https://openrouter.ai/api/v1/models").mock(return_value=httpx.Response(200, json={
        "data": [{"id": "anthropic/claude-3-haiku", "context_length": 200000,
                  "pricing": {"prompt": "0.000001", "completion": "0.000004"},
                  "supported_parameters": ["response_format"]}]}))
    result = CliRunner().invoke(cli, ["models", "--refresh", "--json"])
    assert result.exit_code == 0, result.output
    cache = json.loads((isolated_env / "openrouter-models.json").read_text())
    assert cache["models"]["anthropic/claude-3-haiku"]["output_per_m"] == 4.0
    estimate = CliRunner().invoke(cli, ["scenario", "-d", "one two", "--model",
                                        "claude-3-haiku", "--estimate-only", "--json"])
    assert json.loads(estimate.stdout)["cost_usd"] > 0
