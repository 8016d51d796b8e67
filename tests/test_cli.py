"""The CLI through click's CliRunner: exit codes, messages, --json output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from film.cli import cli

from shotlists import make_shots

DESCRIPTION = 'A detective enters his dimly lit office on a rainy night. He says "Late again."'


@pytest.fixture
def runner():
    return CliRunner()


def invoke(runner, *args, input=None):
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def test_help_lists_every_stage(runner):
    result = invoke(runner, "--help")
    assert result.exit_code == 0
    for command in ("scenario", "images", "video", "speech", "compose", "run", "estimate",
                    "status", "regen", "models", "schema"):
        assert command in result.output


def test_scenario_offline_writes_valid_shots_and_json(runner, tmp_path):
    out = tmp_path / "shots.json"
    result = invoke(runner, "scenario", "-d", DESCRIPTION, "-n", "4", "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "offline" and data["cost_usd"] == 0
    assert len(data["shot_list"]["shots"]) == 4
    saved = json.loads(out.read_text())
    assert [s["shot_id"] for s in saved["shots"]] == [f"shot_00{i}" for i in range(1, 5)]
    assert "offline planner" in result.stderr


def test_scenario_human_output_names_the_next_command(runner, tmp_path):
    result = invoke(runner, "scenario", "-d", DESCRIPTION, "-n", "3", "-p", str(tmp_path / "p"))
    assert result.exit_code == 0
    assert "next: film run -p" in result.stderr
    assert (tmp_path / "p" / "shots.json").exists()


def test_scenario_reads_stdin(runner, tmp_path):
    out = tmp_path / "s.json"
    result = invoke(runner, "scenario", "-d", "-", "-n", "2", "-o", str(out), input=DESCRIPTION)
    assert result.exit_code == 0 and out.exists()


@pytest.mark.parametrize("args,code,message", [
    (["-d", "   "], 2, "description is empty"),
    (["-d", "x" * 20_001], 2, "limit is 20,000"),
    (["-d", "ok", "--model", "claude-3-haiku2"], 3, "unknown model"),
    (["-d", "ok", "--model", "claude-3-haiku"], 3, "OPENROUTER_API_KEY"),
    (["-d", "ok", "-n", "0"], 2, "0"),
])
def test_scenario_bad_input_exits_non_zero_without_traceback(runner, args, code, message):
    result = runner.invoke(cli, ["scenario", *args])
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_unknown_model_says_did_you_mean(runner):
    result = runner.invoke(cli, ["scenario", "-d", "ok", "--model", "gpt-4-trubo"])
    assert "Did you mean gpt-4-turbo" in result.output


def test_debug_shows_the_traceback(runner):
    result = runner.invoke(cli, ["--debug", "scenario", "-d", " "])
    assert result.exit_code != 0
    assert result.exc_info is not None and result.exc_info[0].__name__ == "InputError"


def test_unwritable_output_is_a_clear_error(runner, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(cli, ["scenario", "-d", DESCRIPTION, "-o", str(blocker / "s.json")])
    assert result.exit_code == 2 and "cannot" in result.output
    assert "Traceback" not in result.output


def test_list_models_and_models_json(runner):
    result = invoke(runner, "scenario", "--list-models")
    assert result.exit_code == 0 and "claude-sonnet-4.6" in result.output
    assert "claude-3.5-sonnet" in result.output  # a retired name, with its successor
    for shown in ("fal:hailuo-02-standard", "replicate:minimax/video-01", "openai:tts-1",
                  "2027-01-06", "comfyui", "local:<model>"):
        assert shown in result.output
    data = json.loads(invoke(runner, "models", "--json").stdout)
    assert len(data["models"]) == 6 and data["prices_taken"]
    assert {r["name"] for r in data["retired"]} >= {"claude-3.5-sonnet", "gemini-pro"}
    kinds = {m["kind"] for m in data["media"]}
    assert kinds == {"image", "video", "speech"}


def test_estimate_only_makes_nothing(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "scenario", "-d", DESCRIPTION, "--model", "claude-3.5-sonnet",
                    "-n", "5", "--estimate-only", "--json")
    data = json.loads(result.stdout)
    assert data["output_tokens"] == 1000 and data["cost_usd"] > 0
    assert not (tmp_path / "shots.json").exists()


def test_schema_command_prints_json_schema(runner):
    data = json.loads(invoke(runner, "schema").stdout)
    assert "Shot" in data["$defs"]


def test_estimate_table_per_stage(runner, tmp_path):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(4, duration=5, lines={0: "x" * 100}).to_json())
    result = invoke(runner, "estimate", str(shots), "--image-provider", "fal",
                    "--video-provider", "fal:kling", "--tts-provider", "openai", "--json")
    data = json.loads(result.stdout)
    rows = {r["stage"]: r for r in data["stages"]}
    assert rows["images"]["cost_usd"] == pytest.approx(4 * 0.003)
    assert rows["video"]["cost_usd"] == pytest.approx(4 * 5 * 0.045)  # Kling 1.6, per s
    assert rows["speech"]["cost_usd"] == pytest.approx(100 * 15 / 1e6)
    assert data["total_usd"] == pytest.approx(sum(r["cost_usd"] for r in data["stages"]))
    table = invoke(runner, "estimate", str(shots))
    assert "offline" in table.output and "total" in table.output


def test_stage_commands_report_missing_inputs(runner, tmp_path):
    result = runner.invoke(cli, ["video", "-p", str(tmp_path)])
    assert result.exit_code == 2 and "no shots.json" in result.output
    result = runner.invoke(cli, ["images", str(tmp_path / "nope.json"), "-p", str(tmp_path)])
    assert result.exit_code == 2


def test_unknown_provider_is_a_config_error(runner, tmp_path):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(1).to_json())
    result = runner.invoke(cli, ["images", str(shots), "-p", str(tmp_path / "p"),
                                 "--provider", "fall"])
    assert result.exit_code == 3 and "Did you mean fal" in result.output


def test_invalid_shots_file_lists_the_problems(runner, tmp_path):
    shots = tmp_path / "shots.json"
    shots.write_text(json.dumps({"shots": [{"shot_id": "../x", "shot_number": 1,
                                            "shot_type": "wide", "enhanced_prompt": "p",
                                            "duration": 99}]}))
    result = runner.invoke(cli, ["images", str(shots), "-p", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "shots.0.shot_id" in result.output and "shots.0.duration" in result.output


def test_python_m_entry_points_have_their_own_usage_and_clear_errors():
    import subprocess
    import sys

    for module in ("pipelines.scenario_generation", "pipelines.film_generation"):
        out = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                             text=True, check=True).stdout
        assert out.startswith(f"Usage: python -m {module} [OPTIONS]")
    bad = subprocess.run([sys.executable, "-m", "pipelines.scenario_generation", "-d", " "],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "description is empty" in bad.stderr
    assert "Traceback" not in bad.stderr
