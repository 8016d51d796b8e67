"""Offline end to end through the CLI, on real media (3 shots of 1 s at 320x180)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from film.cli import cli
from film.media.ffmpeg import measure_duration, probe
from film.project import Project

from shotlists import make_shots

LINES = {0: "The keeper climbs the stairs.", 2: "The light comes on."}


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def srt_starts(text: str) -> list[float]:
    starts = []
    for h, m, s, ms in re.findall(r"(\d+):(\d+):(\d+),(\d+) -->", text):
        starts.append(int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000)
    return starts


@pytest.fixture
def shots_file(tmp_path):
    path = tmp_path / "shots.json"
    path.write_text(make_shots(3, lines=LINES).to_json())
    return path


def test_stages_one_by_one_make_a_valid_film(tmp_path, shots_file):
    project = tmp_path / "film"
    invoke("images", shots_file, "-p", project, "--resolution", "320x180", "-q")
    assert len(list((project / "images").glob("*.png"))) == 3
    invoke("video", "-p", project, "-q")
    clip = probe(project / "clips" / "shot_002.mp4")
    assert (clip.video[0].width, clip.video[0].height) == (320, 180)
    invoke("speech", "-p", project, "-q")
    assert sorted(p.name for p in (project / "audio").glob("*.wav")) == \
        ["shot_001.wav", "shot_003.wav"]
    invoke("compose", "-p", project, "-q")

    final = project / "final.mp4"
    info = probe(final)
    assert len(info.video) == 1 and len(info.audio) == 1
    assert (info.video[0].width, info.video[0].height) == (320, 180)
    assert info.video[0].codec == "h264" and info.audio[0].codec == "aac"
    manifest = json.loads((project / "manifest.json").read_text())
    timeline = manifest["artifacts"]["final.mp4"]["meta"]["duration"]
    assert measure_duration(final) == pytest.approx(timeline, abs=0.1)
    # speech lines start with their shots: shot 1 at 0, shot 3 after two (possibly
    # extended) shots minus two crossfades
    starts = srt_starts((project / "subtitles.srt").read_text())
    assert starts[0] == pytest.approx(0.0, abs=0.05)
    assert 1.0 <= starts[-1] <= timeline - 0.5


@pytest.mark.parametrize("aspect,size", [("9:16", (180, 320)), ("1:1", (240, 240))])
def test_run_from_shots_for_each_aspect_ratio(tmp_path, aspect, size):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(2, aspect=aspect).to_json())
    project = tmp_path / "p"
    invoke("run", "--shots", shots, "-p", project, "--resolution", f"{size[0]}x{size[1]}",
           "--transition", "cut", "-q")
    info = probe(project / "final.mp4")
    assert (info.video[0].width, info.video[0].height) == size
    assert measure_duration(project / "final.mp4") == pytest.approx(2.0, abs=0.1)
    assert len(info.audio) == 1  # a silent track: every film has one audio stream


def test_offline_clips_are_normalised_without_a_second_encode(tmp_path, shots_file):
    project = tmp_path / "film"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180", "-q")
    artifacts = json.loads((project / "manifest.json").read_text())["artifacts"]
    normalised = {k: a["meta"] for k, a in artifacts.items() if a["stage"] == "normalise"}
    assert sorted(normalised) == [f".film/clips/shot_00{i}.mp4" for i in (1, 2, 3)]
    # the camera moves are made in the film's format, key frames where the compose cuts:
    # normalising copies them, and the compose copies every body and encodes the crossfades
    assert not any(m["encoded"] for m in normalised.values())
    for i in (1, 2, 3):
        clip = project / "clips" / f"shot_00{i}.mp4"
        assert (project / ".film" / "clips" / clip.name).read_bytes() == clip.read_bytes()
    compose = artifacts["final.mp4"]["meta"]
    assert compose["copies"] == 3  # every body, from the clip's first cut on
    # the lines outlast shots 1 and 3, whose last frames are held: the two crossfades and
    # the held frames are all that is encoded
    assert compose["segments_encoded"] == 4
    assert compose["frames_copied"] + compose["frames_encoded"] == round(
        compose["duration"] * 24)


def test_rerun_is_a_no_op_and_an_edit_redoes_one_shot(tmp_path, shots_file):
    project = tmp_path / "film"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180", "-q")
    final_mtime = (project / "final.mp4").stat().st_mtime_ns

    again = invoke("run", "--shots", shots_file, "-p", project, "--json")
    events = [json.loads(line) for line in again.stdout.splitlines()]
    done = [e for e in events if e["event"] == "artifact_done"]
    assert done and all(e["cached"] for e in done)
    assert (project / "final.mp4").stat().st_mtime_ns == final_mtime

    edited = make_shots(3, lines=LINES)
    edited.shots[1].enhanced_prompt = "a storm breaks over the lighthouse"
    shots_file.write_text(edited.to_json())
    third = invoke("run", "--shots", shots_file, "-p", project, "--json")
    made = [(e["stage"], e.get("shot_id")) for e in map(json.loads, third.stdout.splitlines())
            if e["event"] == "artifact_done" and not e["cached"]]
    # the new copy of shots.json, then only what depends on the edited shot
    assert sorted(made, key=str) == sorted([("scenario", None), ("images", "shot_002"),
                                            ("video", "shot_002"), ("normalise", "shot_002"),
                                            ("compose", None)], key=str)
    finished = json.loads(third.stdout.splitlines()[-1])
    assert finished["event"] == "run_finished" and finished["final"].endswith("final.mp4")


def test_status_and_regen(tmp_path, shots_file):
    project = tmp_path / "film"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180", "-q")
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert [row["images"] for row in status["shots"]] == ["done"] * 3
    assert [row["speech"] for row in status["shots"]] == ["done", "-", "done"]
    assert status["final"] == "done"

    edited = make_shots(3, lines={**LINES, 0: "A different first line."})
    (project / "shots.json").write_text(edited.to_json())
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert status["shots"][0]["speech"] == "stale" and status["shots"][0]["images"] == "done"
    assert status["final"] == "stale"

    result = invoke("regen", "-p", project, "--shot", "shot_003", "--stage", "video", "--json")
    made = [(e["stage"], e.get("shot_id")) for e in map(json.loads, result.stdout.splitlines())
            if e["event"] == "artifact_done" and not e["cached"]]
    # only the named shot is redone (then the film is recomposed); other stale work waits
    assert made == [("video", "shot_003"), ("normalise", "shot_003"), ("compose", None)]
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert status["shots"][0]["speech"] == "stale"
    invoke("run", "-p", project, "-q")
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert status["shots"][0]["speech"] == "done" and status["final"] == "done"


def test_regen_unknown_shot_lists_the_ids(tmp_path, shots_file):
    project = tmp_path / "film"
    invoke("images", shots_file, "-p", project, "--resolution", "320x180", "-q")
    result = CliRunner().invoke(cli, ["regen", "-p", str(project), "--shot", "shot_9"])
    assert result.exit_code == 2 and "shot_001, shot_002, shot_003" in result.output


def test_run_from_a_description_with_python_m_pipelines(tmp_path):
    env_cmd = [sys.executable, "-m", "pipelines.scenario_generation", "-d",
               "A keeper climbs a lighthouse at dusk. He says \"Almost there.\"", "-n", "2",
               "-o", str(tmp_path / "shots.json"), "--shot-duration", "1"]
    subprocess.run(env_cmd, check=True, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.film_generation", "--shots_json_path",
         str(tmp_path / "shots.json"), "--output-dir", str(tmp_path / "out"),
         "--image-provider", "offline", "--resolution", "320x180", "-q"],
        capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert probe(tmp_path / "out" / "final.mp4").video
    manifest = Project.at(tmp_path / "out").load_manifest()
    assert manifest.metrics["stages"]["images"]["made"] == 2
