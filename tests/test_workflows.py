"""Workflows as data: the built-in chains (animatic, audio-first, ...), a custom TOML file with
a `choose` step that stops the run (exit 8) until `film choose`, what a project remembers,
`film workflows`, and bad workflow files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from film.cli import cli
from film.media.ffmpeg import measure_duration

from shotlists import make_shots

PICK = """
name = "pick"
description = "Two stills per shot, I choose, then the film."

[[steps]]
stage = "images"
takes = 2

[[steps]]
choose = "images"

[[steps]]
stage = "video"
provider = "offline"

[[steps]]
stage = "speech"

[[steps]]
stage = "compose"
transition = "cut"
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, [*map(str, args)])


def events(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@pytest.fixture
def shots(tmp_path) -> Path:
    path = tmp_path / "shots.json"
    path.write_text(make_shots(2, duration=0.6, lines={0: "Hello there."}).to_json())
    return path


def test_a_choose_step_stops_the_run_until_each_shot_has_a_take_chosen(tmp_path, shots):
    flow = tmp_path / "pick.toml"
    flow.write_text(PICK)
    project = tmp_path / "film"
    first = invoke("run", "--shots", shots, "-p", project, "--resolution", "320x180",
                   "--workflow", flow, "--json")
    assert first.exit_code == 8, first.output
    error = next(e for e in events(first) if e["event"] == "error")
    assert error["exit_code"] == 8 and "waiting for a choice" in error["message"]
    assert not (project / "clips").exists()  # nothing after the choose step was made
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert status["workflow"] == {"name": str(flow.resolve()), "state": "waiting for a choice",
                                  "waiting": {"images": ["shot_001", "shot_002"]}}
    assert [row["images"] for row in status["shots"]] == ["waiting", "waiting"]

    still = invoke("choose", "-p", project, "--shot", "shot_001", "--take", "2", "-q")
    assert still.exit_code == 8 and "shot_002" in still.output  # one shot still waits
    done = invoke("choose", "-p", project, "--shot", "shot_002", "--take", "1", "-q")
    assert done.exit_code == 0, done.output
    assert (project / "final.mp4").is_file()
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert status["workflow"]["state"] == "done" and status["final"] == "done"
    manifest = json.loads((project / "manifest.json").read_text())
    assert manifest["settings"]["options"]["workflow"] == str(flow.resolve())
    assert manifest["artifacts"]["clips/shot_001.mp4"]["provider"] == "offline"
    rerun = invoke("run", "-p", project, "--json")  # remembers the workflow: nothing to do
    assert rerun.exit_code == 0
    assert not [e for e in events(rerun) if e["event"] == "artifact_done" and not e["cached"]]


def test_animatic_animates_offline_even_with_a_video_key(tmp_path, shots, monkeypatch):
    monkeypatch.setenv("FAL_KEY", "fal-would-be-paid")
    from film.config import get_settings

    get_settings.cache_clear()
    project = tmp_path / "film"
    result = invoke("run", "--shots", shots, "-p", project, "--resolution", "320x180",
                    "--image-provider", "offline", "--workflow", "animatic", "--json")
    assert result.exit_code == 0, result.output
    clips = [e for e in events(result) if e["event"] == "artifact_done" and e["stage"] == "video"]
    assert {e["provider"] for e in clips} == {"offline"} and len(clips) == 2
    assert (project / "final.mp4").is_file()


def test_audio_first_makes_each_clip_as_long_as_its_line(tmp_path):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(2, duration=4.0, lines={0: "Hi.", 1: "A longer line."})
                     .to_json())
    project = tmp_path / "film"
    result = invoke("run", "--shots", shots, "-p", project, "--resolution", "320x180",
                    "--workflow", "audio-first", "--json")
    assert result.exit_code == 0, result.output
    manifest = json.loads((project / "manifest.json").read_text())
    for shot_id, overlap in (("shot_001", 0.5), ("shot_002", 0.5)):
        voice = manifest["artifacts"][f"audio/{shot_id}.wav"]["meta"]["duration"]
        clip = measure_duration(project / "clips" / f"{shot_id}.mp4")
        assert clip == pytest.approx(max(1.0, voice + 0.35 + overlap), abs=0.1)
        assert clip < 4.0  # shorter than planned: video seconds match what is said
    fitted = measure_duration(project / "final.mp4")
    assert fitted < 6.0  # two planned 4 s shots: 8 s
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert {row["video"] for row in status["shots"]} == {"done"}
    # a stage run alone keeps the film's timing: the compose changes nothing, the next run
    # has nothing to redo
    made = events(invoke("compose", "-p", project, "--json"))
    assert not [e for e in made if e["event"] == "artifact_done" and not e["cached"]]
    assert measure_duration(project / "final.mp4") == pytest.approx(fitted, abs=0.01)
    again = events(invoke("run", "-p", project, "--json"))
    assert not [e for e in again if e["event"] == "artifact_done" and not e["cached"]]


def test_workflows_lists_the_built_ins_and_the_projects_files(tmp_path):
    (tmp_path / "pick.toml").write_text(PICK)
    (tmp_path / "broken.toml").write_text("[[steps]]\nstage = 'nope'\n")
    listed = json.loads(invoke("workflows", "-p", tmp_path, "--json").stdout)
    names = [w["name"] for w in listed["workflows"]]
    assert names[:4] == ["film", "animatic", "storyboard", "audio-first"]
    assert "pick" in names
    broken = next(w for w in listed["workflows"] if w["name"] == "broken.toml")
    assert broken["description"].startswith("not valid")


@pytest.mark.parametrize(("text", "message"), [
    ("[[steps]]\nchoose = 'images'\n[[steps]]\nstage = 'images'\n", "no stage step before it"),
    ("[[steps]]\nstage = 'images'\nspeed = 2\n", "speed"),
    ("[[steps]]\nstage = 'speech'\ntakes = 2\n", "has no takes"),
    ("steps = [", "not a readable TOML file"),
    ("fit = 'speech'\n[[steps]]\nstage = 'images'\n", "needs a speech step"),
])
def test_a_bad_workflow_file_is_one_clear_error(tmp_path, shots, text, message):
    flow = tmp_path / "bad.toml"
    flow.write_text(text)
    result = invoke("run", "--shots", shots, "-p", tmp_path / "film", "--workflow", flow)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "film").exists()


def test_an_unknown_workflow_name_lists_the_built_ins(tmp_path, shots):
    result = invoke("run", "--shots", shots, "-p", tmp_path / "film", "--workflow", "fastest")
    assert result.exit_code == 2
    assert "no workflow called 'fastest'" in result.output and "animatic" in result.output


def test_storyboard_makes_stills_a_contact_sheet_and_the_review_page_only(tmp_path, shots):
    project = tmp_path / "film"
    result = invoke("run", "--shots", shots, "-p", project, "--resolution", "320x180",
                    "--workflow", "storyboard", "--json")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (project / "images").iterdir()) == ["shot_001.png",
                                                                      "shot_002.png"]
    assert (project / "review.html").is_file() and (project / "contact.png").is_file()
    assert not (project / "clips").exists() and not (project / "final.mp4").exists()
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert status["workflow"]["state"] == "done"
    assert {row["video"] for row in status["shots"]} == {"-"}
    assert "compose" not in status["film"]


def test_the_example_workflow_reviews_then_waits_then_finishes(tmp_path, shots):
    example = Path(__file__).resolve().parents[1] / "examples" / "workflows" / "pick-stills.toml"
    project = tmp_path / "film"
    first = invoke("run", "--shots", shots, "-p", project, "--resolution", "320x180",
                   "--workflow", example)
    assert first.exit_code == 8
    page = (project / "review.html").read_text()
    assert "--shot shot_001 --take 3" in page  # three takes each, offered on the page
    for shot_id in ("shot_001", "shot_002"):
        chose = invoke("choose", "-p", project, "--shot", shot_id, "--take", "3", "-q")
    assert chose.exit_code == 0, chose.output
    assert measure_duration(project / "final.mp4") > 0.5
