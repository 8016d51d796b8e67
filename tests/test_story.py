"""`film story` against a fake OpenAI-compatible server on 127.0.0.1: the levels and their
files, the request shapes (strict JSON Schema, each agent seeing only its own entry), the
critique-and-patch loop, propagation of one edit, the reply cache, the budget."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from film.cli import cli
from film.config import get_settings

from fakes.llm import FakeLLM

LOG_LINE = "A lighthouse keeper must relight the lamp before the storm reaches the harbour."


def invoke(*args, ok=True):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def llm(monkeypatch):
    with FakeLLM() as fake:
        monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-test")
        monkeypatch.setenv("OPENROUTER_BASE_URL", fake.url)
        get_settings.cache_clear()
        yield fake
    get_settings.cache_clear()


def story(project, *args, ok=True):
    return invoke("story", LOG_LINE, "-p", project, "--model", "claude-3.5-sonnet",
                  "--stop-after", "critique", *args, ok=ok)


def test_a_single_scene_story_writes_every_level_within_its_call_budget(tmp_path, llm):
    project = tmp_path / "p"
    invoke("story", LOG_LINE, "-p", project, "--model", "claude-3.5-sonnet", "--scope", "scene",
           "--characters", "2", "-q")
    story_dir = project / "story"
    bible = json.loads((story_dir / "bible.json").read_text())
    assert [c["name"] for c in bible["characters"]] == ["Mara Quill", "Tomas Reyes"]
    assert bible["characters"][0]["visual"] and bible["locations"][0]["visual"]
    outline = json.loads((story_dir / "outline.json").read_text())
    assert [s["scene_id"] for s in outline["scenes"]] == ["s01"]
    for level in ("dialogue", "scene", "final", "shots"):
        assert (story_dir / "scenes" / "s01" / f"{level}.json").is_file()
    final = json.loads((story_dir / "scenes" / "s01" / "final.json").read_text())
    assert len(final["revisions"]) == 1 and final["revisions"][0]["patch"]["ops"]
    assert final["scene"]["elements"][0]["text"] == "The storm slams the door open."
    shots = json.loads((project / "shots.json").read_text())["shots"]
    assert shots and {s["scene_id"] for s in shots} == {"s01"}
    assert shots[0]["shot_id"] == "s01_shot_001"
    script = (story_dir / "script.fountain").read_text()
    assert script.startswith("Title: The Keeper's Debt") and "@MARA QUILL" in script
    # bible, outline, 2 character agents, director, critique, patch, shots
    assert llm.total <= 8, dict(llm.calls)
    assert llm.calls["set_of_lines"] == 2 and llm.calls["patch"] == 1


def test_every_story_call_asks_for_strict_json_schema(tmp_path, llm):
    story(tmp_path / "p", "--scope", "scene", "-q")
    for body in llm.requests:
        fmt = body["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
        schema = fmt["json_schema"]["schema"]
        assert schema["additionalProperties"] is False
        assert set(schema["required"]) == set(schema["properties"])


def test_a_character_agent_sees_only_its_own_bible_entry(tmp_path, llm):
    story(tmp_path / "p", "--scope", "scene", "-q")
    agents = [b for b in llm.requests
              if b["response_format"]["json_schema"]["name"] == "set_of_lines"]
    assert len(agents) == 2
    for body in agents:
        user = body["messages"][-1]["content"]
        me = json.loads(user.split("YOU:\n", 1)[1].split("\n\n")[0])
        others = {"Mara Quill", "Tomas Reyes"} - {me["name"]}
        assert me["backstory"] in user
        for other in others:  # the others appear by name only, never their private entries
            assert f"{other} grew up by the sea." not in user
        assert "visual" not in me


def test_a_rerun_with_nothing_changed_makes_no_call(tmp_path, llm):
    project = tmp_path / "p"
    story(project, "-q")
    llm.calls.clear()
    story(project, "-q")
    assert llm.total == 0


def test_editing_one_character_redoes_only_the_scenes_it_is_in(tmp_path, llm):
    project = tmp_path / "p"
    story(project, "--scenes", "3", "-q")
    outline = json.loads((project / "story" / "outline.json").read_text())
    bible_path = project / "story" / "bible.json"
    bible = json.loads(bible_path.read_text())
    edited = bible["characters"][2]
    edited["traits"] = ["reckless", "kind"]
    bible_path.write_text(json.dumps(bible, indent=2))
    in_scenes = sorted(s["scene_id"] for s in outline["scenes"]
                       if edited["id"] in s["characters"])
    assert 0 < len(in_scenes) < 3
    llm.calls.clear()
    llm.requests.clear()
    invoke("story", "-p", project, "--stop-after", "critique", "-q")
    assert llm.calls["story_bible"] == 0 and llm.calls["outline"] == 0
    redone = sorted({json.loads(b["messages"][-1]["content"].split("SCENE:\n", 1)[1]
                                .split("\n\n")[0])["scene_id"]
                     for b in llm.requests
                     if b["response_format"]["json_schema"]["name"] == "set_of_lines"})
    assert redone == in_scenes
    history = json.loads((project / "story" / "bible.history.json").read_text())
    assert [v["version"] for v in history[f"character:{edited['id']}"]] == [1, 2]
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert {r["scene_id"] for r in status["scenes"]} == {"s01", "s02", "s03"}


def test_stop_after_bible_keeps_hand_edits_when_going_on(tmp_path, llm):
    project = tmp_path / "p"
    invoke("story", LOG_LINE, "-p", project, "--model", "claude-3.5-sonnet", "--stop-after",
           "bible", "-q")
    assert not (project / "story" / "outline.json").exists()
    bible_path = project / "story" / "bible.json"
    bible = json.loads(bible_path.read_text())
    bible["characters"][0]["name"] = "Mara Quillon"
    bible_path.write_text(json.dumps(bible, indent=2))
    invoke("story", "-p", project, "--stop-after", "outline", "-q")
    assert "Mara Quillon" in bible_path.read_text()
    outline = json.loads((project / "story" / "outline.json").read_text())
    assert outline["scenes"]


def test_the_budget_covers_story_calls(tmp_path, llm):
    result = invoke("story", LOG_LINE, "-p", tmp_path / "p", "--model", "claude-3.5-sonnet",
                    "--max-cost", "0.00001", ok=False)
    assert result.exit_code == 5 and "budget cap" in result.output
    assert llm.total == 0


def test_story_costs_are_in_the_ledger_and_metrics_per_scene(tmp_path, llm):
    project = tmp_path / "p"
    result = story(project, "--scenes", "2", "--json")
    finished = json.loads(result.stdout.splitlines()[-1])
    assert finished["llm"]["calls"] == llm.total
    assert set(finished["llm_per_scene"]) == {"film", "s01", "s02"}
    manifest = json.loads((project / "manifest.json").read_text())
    stages = {line["stage"] for line in manifest["ledger"]}
    assert {"bible", "outline", "dialogue", "direct", "critique"} <= stages


def test_a_bible_file_gives_characters_that_are_kept_verbatim(tmp_path, llm):
    given = tmp_path / "cast.json"
    given.write_text(json.dumps({"characters": [
        {"name": "Old Abel", "backstory": "Kept the light for forty years.",
         "traits": ["patient"], "visual": "white beard, oilskin"}]}))
    project = tmp_path / "p"
    invoke("story", LOG_LINE, "-p", project, "--model", "claude-3.5-sonnet", "--bible", given,
           "--stop-after", "bible", "-q")
    bible = json.loads((project / "story" / "bible.json").read_text())
    abel = bible["characters"][0]
    assert abel["name"] == "Old Abel" and abel["backstory"] == "Kept the light for forty years."


def test_a_bad_bible_file_is_a_one_line_error(tmp_path):
    bad = tmp_path / "cast.json"
    bad.write_text(json.dumps({"characters": [{"role": "nameless"}]}))
    result = invoke("story", LOG_LINE, "-p", tmp_path / "p", "--bible", bad, ok=False)
    assert result.exit_code == 2 and "characters" not in result.output.splitlines()[0][:6]


def test_an_invalid_reply_gets_one_repair_round_with_the_problems(tmp_path, monkeypatch):
    with FakeLLM(broken_once=frozenset({"outline"})) as fake:
        monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-test")
        monkeypatch.setenv("OPENROUTER_BASE_URL", fake.url)
        get_settings.cache_clear()
        story(tmp_path / "p", "--stop-after", "outline", "-q")
    assert fake.calls["outline"] == 2
    repair = fake.requests[-1]["messages"]
    assert repair[-2]["role"] == "assistant" and "not a valid outline" in repair[-1]["content"]
    assert "scenes" in repair[-1]["content"]
    get_settings.cache_clear()


def test_a_local_server_writes_the_story_for_free(tmp_path, monkeypatch):
    with FakeLLM() as fake:
        monkeypatch.setenv("LOCAL_LLM_BASE_URL", fake.url)
        get_settings.cache_clear()
        result = invoke("story", LOG_LINE, "-p", tmp_path / "p", "--model", "ollama:llama3.1",
                        "--scope", "scene", "--stop-after", "critique", "--json")
        finished = json.loads(result.stdout.splitlines()[-1])
    assert fake.total >= 6 and finished["total_cost_usd"] == 0
    assert fake.requests[0]["model"] == "llama3.1"
    get_settings.cache_clear()
