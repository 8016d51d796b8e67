"""Offline, with no key: a log line becomes a multi-scene film; the Python API with the seed's
names; regen per scene."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from film.cli import cli
from film.media.ffmpeg import probe

LOG_LINE = "A detective with amnesia must solve a murder that he might have committed."


def invoke(*args, ok=True):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def story_film(tmp_path_factory):
    project = tmp_path_factory.mktemp("story") / "case"
    invoke("story", LOG_LINE, "-p", project, "--scenes", "3", "--shots-per-scene", "2",
           "--shot-duration", "1", "--film", "--resolution", "320x180", "-q")
    return project


def test_a_log_line_becomes_a_multi_scene_film_offline(story_film):
    shots = json.loads((story_film / "shots.json").read_text())["shots"]
    assert [s["scene_id"] for s in shots] == ["s01", "s01", "s02", "s02", "s03", "s03"]
    assert shots[0]["shot_id"] == "s01_shot_001"
    info = probe(story_film / "final.mp4")
    planned = json.loads((story_film / "manifest.json").read_text())[
        "artifacts"]["final.mp4"]["meta"]["duration"]
    assert info.duration == pytest.approx(planned, abs=0.1) and len(info.audio) == 1
    outline = json.loads((story_film / "story" / "outline.json").read_text())["scenes"]
    assert len({s["beat"] for s in outline}) == 3  # not one scene repeated
    assert len({s["location"] for s in outline}) >= 2
    script = (story_film / "story" / "script.fountain").read_text()
    assert script.count("\n= ") == 3 and "@" in script
    index = json.loads((story_film / "story" / "index.json").read_text())
    assert set(index["scenes"]) == {"s01", "s02", "s03"}


def test_the_story_of_a_film_is_shown_by_status_and_a_rerun_makes_nothing(story_film):
    status = json.loads(invoke("status", "-p", story_film, "--json").stdout)
    assert [r["scene_id"] for r in status["scenes"]] == ["s01", "s02", "s03"]
    assert all(r["critique"] == "done" for r in status["scenes"])
    assert status["film"]["bible"] == "done" and status["final"] == "done"
    finished = json.loads(invoke("story", "-p", story_film, "--film", "--json"
                                 ).stdout.splitlines()[-1])
    assert all(stage["made"] == 0 for stage in finished["stages"].values())


def test_regen_of_a_scene_redoes_only_its_shots(story_film):
    result = invoke("regen", "-p", story_film, "--scene", "s02", "--json")
    made = {(e["stage"], e.get("shot_id")) for e in map(json.loads, result.stdout.splitlines())
            if e["event"] == "artifact_done" and not e["cached"]}
    assert made == {("images", "s02_shot_001"), ("images", "s02_shot_002"),
                    ("video", "s02_shot_001"), ("video", "s02_shot_002"),
                    ("normalise", "s02_shot_001"), ("normalise", "s02_shot_002"),
                    ("compose", None)}


def test_the_python_api_with_the_seed_s_names(tmp_path):
    from pipelines.story import GenerationConfig, GenerationScope, WorkflowController

    controller = WorkflowController(tmp_path / "api")
    abel = controller.bible_storage.create_entry("character", {
        "name": "Old Abel", "backstory": "Kept the light for forty years.",
        "traits": ["patient"]})
    assert abel == "character:old-abel"
    config = GenerationConfig(scope=GenerationScope.MULTI_SCENE, character_count=3,
                              scene_count=2, use_existing_bibles=True, auto_rewrite=True,
                              rewrite_iterations=1, model="offline")
    script = controller.generate_script(LOG_LINE, config, existing_bibles={"character": [abel]})
    assert [s["scene_id"] for s in script["scenes"]] == ["s01", "s02"]
    assert script["scenes"][0]["integrated_scene"]["elements"]
    assert script["scenes"][0]["outline"]["description"]
    assert script["bible"]["characters"][0]["name"] == "Old Abel"
    assert script["llm_calls"] == 0
    assert controller.bible_storage.get_entry(abel)["version"] == 1
    version = controller.bible_storage.update_entry(abel, {"traits": ["patient", "deaf"]})
    assert version == 2
    assert controller.bible_storage.revert_to_version(abel, 1) == 3
