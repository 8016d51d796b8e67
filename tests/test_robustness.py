"""What a user meets when things are not as expected: checks before paid work, remembered
choices, hand edits kept, one-line errors for the file system and ffmpeg."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from film.cli import cli

from shotlists import make_shots

DESCRIPTION = "A keeper climbs a lighthouse at dusk."


def invoke(*args, ok=True):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def shots_file(tmp_path):
    path = tmp_path / "shots.json"
    path.write_text(make_shots(2, lines={0: "Up we go."}).to_json())
    return path


def test_bad_provider_or_missing_key_fails_before_anything_is_made(tmp_path, monkeypatch):
    result = invoke("run", "-d", DESCRIPTION, "-p", tmp_path / "a", "--image-provider", "fall",
                    ok=False)
    assert result.exit_code == 3 and "Did you mean fal" in result.output
    assert not (tmp_path / "a" / "shots.json").exists()
    result = invoke("run", "-d", DESCRIPTION, "-p", tmp_path / "b", "--video-provider", "fal",
                    ok=False)
    assert result.exit_code == 3 and "FAL_KEY" in result.output
    assert not (tmp_path / "b" / "images").exists()
    result = invoke("run", "-d", DESCRIPTION, "-p", tmp_path / "c", "--resolution", "wide",
                    ok=False)
    assert result.exit_code == 2 and not (tmp_path / "c" / "shots.json").exists()


def test_unknown_price_under_a_cap_is_refused_and_estimated_as_unknown(tmp_path, shots_file,
                                                                        monkeypatch):
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8-test")
    result = invoke("images", shots_file, "-p", tmp_path / "p", "--provider",
                    "replicate:someone/new-model", "--max-cost", "1", ok=False)
    assert result.exit_code == 3 and "no price is known" in result.output
    data = json.loads(invoke("estimate", shots_file, "--video-provider",
                             "replicate:someone/new-video", "--json").stdout)
    rows = {r["stage"]: r for r in data["stages"]}
    assert rows["video"]["cost_usd"] is None
    assert data["unknown_prices"] == ["replicate:someone/new-video"]
    table = invoke("estimate", shots_file, "--video-provider", "replicate:someone/new-video")
    assert "+ ?" in table.output


def test_estimate_bills_kling_by_its_clip_lengths_and_rejects_unknown_names(shots_file):
    data = json.loads(invoke("estimate", shots_file, "--video-provider", "fal:kling",
                             "--json").stdout)
    video = next(r for r in data["stages"] if r["stage"] == "video")
    assert video["cost_usd"] == pytest.approx(2 * 5 * 0.045)  # two 1 s shots billed 5 s each
    result = invoke("estimate", shots_file, "--image-provider", "FALL", ok=False)
    assert result.exit_code == 3 and "Traceback" not in result.output


def test_estimate_of_a_finished_project_is_zero(tmp_path, shots_file, monkeypatch):
    project = tmp_path / "p"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180", "-q")
    monkeypatch.setenv("FAL_KEY", "k")
    data = json.loads(invoke("estimate", "-p", project, "--image-provider", "offline",
                             "--json").stdout)
    assert {r["stage"]: r["items"] for r in data["stages"]}["images"] == 0


def test_the_project_remembers_providers_and_compose_options(tmp_path, shots_file):
    project = tmp_path / "p"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180",
           "--transition", "cut", "-q")
    manifest = json.loads((project / "manifest.json").read_text())
    assert manifest["settings"]["options"]["transition"] == "cut"
    invoke("regen", "-p", project, "--shot", "shot_002", "--stage", "video", "-q")
    manifest = json.loads((project / "manifest.json").read_text())
    assert manifest["artifacts"]["final.mp4"]["params"]["transition"] == "cut"
    assert manifest["artifacts"]["final.mp4"]["params"]["size"] == [320, 180]


def test_regen_of_a_silent_shot_speech_is_an_error(tmp_path, shots_file):
    project = tmp_path / "p"
    invoke("images", shots_file, "-p", project, "--resolution", "320x180", "-q")
    result = invoke("regen", "-p", project, "--shot", "shot_002", "--stage", "speech", ok=False)
    assert result.exit_code == 2 and "no dialogue or narration" in result.output


def test_a_hand_edited_shot_list_is_not_overwritten(tmp_path):
    project = tmp_path / "p"
    invoke("scenario", "-d", DESCRIPTION, "-n", "2", "-p", project, "--shot-duration", "1")
    data = json.loads((project / "shots.json").read_text())
    data["shots"][0]["enhanced_prompt"] = "MY OWN PROMPT"
    (project / "shots.json").write_text(json.dumps(data))
    result = invoke("run", "-d", DESCRIPTION, "-n", "2", "-p", project, "--shot-duration", "1",
                    "--resolution", "320x180")
    assert "edited by hand" in result.output
    assert "MY OWN PROMPT" in (project / "shots.json").read_text()
    invoke("run", "-d", DESCRIPTION, "-n", "2", "-p", project, "--shot-duration", "1",
           "--new-shots", "-q")
    assert "MY OWN PROMPT" not in (project / "shots.json").read_text()


def test_two_descriptions_are_a_usage_error():
    result = invoke("run", "one film", "-d", "another film", ok=False)
    assert result.exit_code == 2 and "once" in result.output


def test_file_system_errors_are_one_line(tmp_path, shots_file):
    project = tmp_path / "p"
    invoke("images", shots_file, "-p", project, "--resolution", "320x180", "-q")
    (project / "clips" / "shot_001.mp4").mkdir(parents=True)  # a folder where a file goes
    result = invoke("video", "-p", project, "-q", ok=False)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "error:" in result.output and "shot_001" in result.output


def test_ffmpeg_failures_are_short_and_hint_at_regen(tmp_path, shots_file):
    project = tmp_path / "p"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180", "-q")
    clip = project / "clips" / "shot_002.mp4"
    clip.write_bytes(clip.read_bytes()[:2000])  # damaged by hand
    result = invoke("compose", "-p", project, "--transition", "fade", ok=False)
    assert result.exit_code == 7
    assert "film regen" in result.output and len(result.output.splitlines()) <= 8


def test_status_and_estimate_judge_against_what_the_next_run_uses(tmp_path, shots_file,
                                                                  monkeypatch):
    project = tmp_path / "p"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180", "-q")
    monkeypatch.setenv("FAL_KEY", "k")  # a key set later does not switch a finished project
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert {r["images"] for r in status["shots"]} == {"done"} and status["final"] == "done"
    data = json.loads(invoke("estimate", "-p", project, "--image-provider", "fal",
                             "--json").stdout)
    images = next(r for r in data["stages"] if r["stage"] == "images")
    assert images["items"] == 2 and images["cost_usd"] > 0

    edited = json.loads((project / "shots.json").read_text())
    edited["title"] = "A new title"  # drawn on every storyboard panel
    (project / "shots.json").write_text(json.dumps(edited))
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert [r["images"] for r in status["shots"]] == ["stale", "stale"]
    assert [r["video"] for r in status["shots"]] == ["stale", "stale"]
    assert status["final"] == "stale"


def test_music_is_remembered_by_absolute_path_and_can_be_dropped(tmp_path, shots_file,
                                                                  monkeypatch):
    from film.media.ffmpeg import run_ffmpeg_sync

    project = tmp_path / "p"
    run_ffmpeg_sync(["-f", "lavfi", "-i", "sine=frequency=220:duration=3",
                     str(tmp_path / "music.wav")])
    monkeypatch.chdir(tmp_path)
    invoke("run", "--shots", shots_file, "-p", "p", "--resolution", "320x180", "--music",
           "music.wav", "-q")
    remembered = json.loads((project / "manifest.json").read_text())["settings"]["options"]
    assert remembered["music"] == str(tmp_path / "music.wav")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert status["final"] == "done"
    invoke("compose", "-p", project, "--no-music", "-q")
    remembered = json.loads((project / "manifest.json").read_text())["settings"]["options"]
    assert remembered["music"] is None


def test_regen_overrides_are_for_that_shot_only(tmp_path, shots_file):
    project = tmp_path / "p"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180",
           "--transition", "fade", "-q")
    invoke("regen", "-p", project, "--shot", "shot_001", "--transition", "cut", "-q")
    remembered = json.loads((project / "manifest.json").read_text())["settings"]["options"]
    assert remembered["transition"] == "fade"


@pytest.mark.parametrize("failed", ["clips/shot_002.mp4", "takes/video/shot_002/1.mp4"])
def test_after_a_skip_run_the_film_is_still_composed_and_regen_works(tmp_path, shots_file,
                                                                     failed):
    project = tmp_path / "p"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180", "-q")
    manifest = json.loads((project / "manifest.json").read_text())
    if failed != "clips/shot_002.mp4":  # the clip's take failed: no clip was ever placed
        del manifest["artifacts"]["clips/shot_002.mp4"]
        (project / failed).unlink()
    manifest["artifacts"][failed]["status"] = "failed"  # as a skip run leaves it
    (project / "manifest.json").write_text(json.dumps(manifest))
    (project / "clips" / "shot_002.mp4").unlink()
    result = invoke("compose", "-p", project, "--json")
    assert "shot_002 is left out" in result.stdout
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert {r["shot_id"]: r["normalise"] for r in status["shots"]}["shot_002"] == "failed"
    assert invoke("estimate", "-p", project, "--json").exit_code == 0
    invoke("regen", "-p", project, "--shot", "shot_002", "--stage", "video", "-q")
    assert (project / "clips" / "shot_002.mp4").exists()
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert status["final"] == "done"


def test_a_different_description_does_not_silently_reuse_a_hand_made_shot_list(tmp_path,
                                                                             shots_file):
    project = tmp_path / "p"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180", "-q")
    result = invoke("run", "A fox crosses a frozen lake.", "-p", project, "--json", ok=False)
    assert result.exit_code == 2 and "--overwrite" in result.output
    result = invoke("scenario", "-d", "A fox crosses a frozen lake.", "-p", project, ok=False)
    assert result.exit_code == 2 and "--overwrite" in result.output
    invoke("scenario", "-d", "A fox crosses a frozen lake.", "-p", project, "--overwrite")
    assert "fox" in (project / "shots.json").read_text()


def test_estimate_does_not_charge_for_a_job_the_next_run_collects(tmp_path, shots_file,
                                                                  monkeypatch):
    project = tmp_path / "p"
    invoke("images", shots_file, "-p", project, "--resolution", "320x180", "-q")
    manifest = json.loads((project / "manifest.json").read_text())
    entry = manifest["artifacts"]["takes/images/shot_001/1.png"]  # the take a run submitted
    manifest["settings"]["options"]["image_provider"] = "fal:flux-schnell"
    from film.build.engine import Engine
    from film.build.freshness import input_hash_of
    from film.config import get_settings
    from film.project import Project
    from film.stages.options import RunOptions
    from film.stages.table import stage

    monkeypatch.setenv("FAL_KEY", "k")
    get_settings.cache_clear()
    shot_list = make_shots(2, lines={0: "Up we go."})
    engine = Engine(Project.at(project), shot_list, RunOptions(providers={"images": "fal"}),
                    get_settings())
    provider = engine.provider(stage("images"))
    _req, inputs = stage("images").plan(engine, shot_list.shots[0], provider)
    entry.update(status="submitted", request_id="paid-1", provider="fal:flux-schnell",
                 input_hash=input_hash_of("images", provider, inputs))
    (project / "images" / "shot_001.png").unlink()
    (project / "takes" / "images" / "shot_001" / "1.png").unlink()
    (project / "manifest.json").write_text(json.dumps(manifest))
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert status["shots"][0]["images"] == "pending"
    data = json.loads(invoke("estimate", "-p", project, "--json").stdout)
    images = next(r for r in data["stages"] if r["stage"] == "images")
    assert images["items"] == 1 and images["cost_usd"] == pytest.approx(0.003)  # shot 2 only


def test_regen_makes_a_new_take(tmp_path, shots_file):
    project = tmp_path / "p"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180", "-q")
    before = (project / "images" / "shot_001.png").read_bytes()
    invoke("regen", "-p", project, "--shot", "shot_001", "-q")
    assert (project / "images" / "shot_001.png").read_bytes() != before
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert status["shots"][0]["images"] == "done" and status["final"] == "done"


def test_a_resolution_of_the_wrong_shape_is_refused(tmp_path):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(1, aspect="9:16").to_json())
    result = invoke("images", shots, "-p", tmp_path / "p", "--resolution", "320x180", ok=False)
    assert result.exit_code == 2 and "9:16" in result.output


def test_a_moved_music_file_does_not_break_status(tmp_path, shots_file):
    from film.media.ffmpeg import run_ffmpeg_sync

    music = tmp_path / "m.wav"
    run_ffmpeg_sync(["-f", "lavfi", "-i", "sine=duration=2", str(music)])
    project = tmp_path / "p"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180", "--music",
           music, "-q")
    music.unlink()
    status = json.loads(invoke("status", "-p", project, "--json").stdout)
    assert status["final"] == "stale"
    result = invoke("compose", "-p", project, ok=False)
    assert result.exit_code == 2 and "--no-music" in result.output
    invoke("compose", "-p", project, "--no-music", "-q")


def test_failed_validation_leaves_no_empty_project_folder(tmp_path, shots_file):
    result = invoke("images", shots_file, "-p", tmp_path / "new", "--provider", "fall", ok=False)
    assert result.exit_code == 3 and not (tmp_path / "new").exists()
