"""Nothing a user made is lost and nothing crashes: hand-made files need consent to be
replaced, every value is checked at the door, signals stop a run cleanly, odd paths work,
machine output tells the truth."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from film.cli import cli
from film.config import Settings, get_settings
from film.media.ffmpeg import probe

from shotlists import make_shots

DESCRIPTION = "A keeper climbs a lighthouse at dusk."


def invoke(*args, ok=True, input=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input)
    if ok:
        assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result


@pytest.fixture
def shots_file(tmp_path):
    path = tmp_path / "shots.json"
    path.write_text(make_shots(2, lines={0: "Up we go."}).to_json())
    return path


# ---- nothing a user made is lost -----------------------------------------------------------


def test_a_hand_edited_shot_list_is_not_replaced_by_another_without_consent(tmp_path,
                                                                           shots_file):
    project = tmp_path / "p"
    invoke("images", shots_file, "-p", project, "--resolution", "320x180", "-q")
    edited = json.loads((project / "shots.json").read_text())
    edited["shots"][0]["enhanced_prompt"] = "MY OWN PROMPT"
    (project / "shots.json").write_text(json.dumps(edited))
    other = tmp_path / "other.json"
    other.write_text(make_shots(3).to_json())
    result = invoke("images", other, "-p", project, "-q", ok=False)
    assert result.exit_code == 2 and "--overwrite" in result.output
    assert "MY OWN PROMPT" in (project / "shots.json").read_text()
    invoke("images", other, "-p", project, "-q", "--overwrite")
    assert len(json.loads((project / "shots.json").read_text())["shots"]) == 3
    kept = list((project / ".film" / "history").glob("shots-*.json"))
    assert len(kept) == 1 and "MY OWN PROMPT" in kept[0].read_text()


def test_a_copied_shot_list_may_be_replaced_by_a_new_copy_and_the_old_is_kept(tmp_path,
                                                                             shots_file):
    project = tmp_path / "p"
    invoke("images", shots_file, "-p", project, "--resolution", "320x180", "-q")
    other = tmp_path / "other.json"
    other.write_text(make_shots(3).to_json())
    invoke("images", other, "-p", project, "-q")
    assert len(json.loads((project / "shots.json").read_text())["shots"]) == 3
    assert len(list((project / ".film" / "history").glob("shots-*.json"))) == 1


def test_an_existing_output_file_is_not_overwritten_without_consent(tmp_path):
    out = tmp_path / "mine.json"
    out.write_text("my notes, not a shot list")
    result = invoke("scenario", "-d", DESCRIPTION, "-n", "2", "-o", out, ok=False)
    assert result.exit_code == 2 and "--overwrite" in result.output
    assert out.read_text() == "my notes, not a shot list"
    invoke("scenario", "-d", DESCRIPTION, "-n", "2", "-o", out, "--overwrite", "-q")
    assert len(json.loads(out.read_text())["shots"]) == 2


def test_a_new_description_keeps_the_previous_shot_list(tmp_path):
    project = tmp_path / "p"
    invoke("scenario", "-d", DESCRIPTION, "-n", "2", "-p", project, "-q")
    first = (project / "shots.json").read_text()
    invoke("scenario", "-d", "A fox crosses a frozen lake.", "-n", "2", "-p", project, "-q")
    assert "fox" in (project / "shots.json").read_text()
    kept = list((project / ".film" / "history").glob("shots-*.json"))
    assert [k.read_text() for k in kept] == [first]


def test_a_damaged_manifest_is_restored_to_the_same_film_and_options(tmp_path, shots_file):
    project = tmp_path / "p"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180",
           "--transition", "cut", "-q")
    (project / "manifest.json").write_text("{ damaged")
    result = invoke("run", "-p", project, ok=False)
    assert result.exit_code == 2 and "damaged" in result.output
    hint = next(line for line in result.output.splitlines() if line.startswith("hint:"))
    command = hint.split(": ", 1)[1]
    assert command.startswith("Restore the copy film keeps: cp ")
    subprocess.run(shlex.split(command.split(": ", 1)[1]), check=True)
    finished = json.loads(invoke("run", "-p", project, "--json").stdout.splitlines()[-1])
    assert all(stage["made"] == 0 for stage in finished["stages"].values())
    manifest = json.loads((project / "manifest.json").read_text())
    assert manifest["settings"]["options"]["transition"] == "cut"
    assert manifest["artifacts"]["final.mp4"]["params"]["size"] == [320, 180]


# ---- every value checked at the door -------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "1e999"])
def test_the_spending_cap_cannot_be_switched_off_by_an_option(tmp_path, shots_file, value):
    result = invoke("images", shots_file, "-p", tmp_path / "p", "--max-cost", value, ok=False)
    assert result.exit_code == 2 and "--max-cost" in result.output
    assert not (tmp_path / "p" / "images").exists()


@pytest.mark.parametrize("value", ["nan", "inf", "Infinity", "-1", "lots"])
def test_the_spending_cap_cannot_be_switched_off_by_the_environment(shots_file, monkeypatch,
                                                                    value):
    monkeypatch.setenv("FILM_MAX_COST", value)
    result = invoke("estimate", shots_file, ok=False)
    assert result.exit_code == 3 and "FILM_MAX_COST" in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("error")]) == 1


def test_bad_values_in_dot_env_are_one_line_errors(tmp_path, shots_file, monkeypatch):
    monkeypatch.setitem(Settings.model_config, "env_file", ".env")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("FILM_MAX_COST=inf\nFILM_CONCURRENCY_REMOTE=0\n")
    get_settings.cache_clear()
    result = invoke("estimate", shots_file, ok=False)
    assert result.exit_code == 3
    assert "FILM_MAX_COST" in result.output and "FILM_CONCURRENCY_REMOTE" in result.output
    (tmp_path / ".env").write_bytes(b"FILM_MAX_COST=\xff\xfe1\n")
    get_settings.cache_clear()
    result = invoke("estimate", shots_file, ok=False)
    assert result.exit_code == 3 and ".env" in result.output


def test_ffmpeg_binary_from_dot_env_is_used(tmp_path, shots_file, monkeypatch):
    from film.media import ffmpeg

    monkeypatch.setitem(Settings.model_config, "env_file", ".env")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("FFMPEG_BINARY=/nowhere/ffmpeg\n")
    get_settings.cache_clear()
    ffmpeg.ffmpeg_binary.cache_clear()
    try:
        result = invoke("run", "--shots", shots_file, "-p", tmp_path / "p", "-q", ok=False)
        assert result.exit_code == 3 and "FFMPEG_BINARY points to /nowhere/ffmpeg" in \
            result.output
    finally:
        ffmpeg.ffmpeg_binary.cache_clear()


def test_stdin_that_is_not_utf8_is_a_one_line_error():
    result = invoke("scenario", "-d", "-", "--estimate-only", input=b"caf\xe9 \xff\xfe", ok=False)
    assert result.exit_code == 2 and "not UTF-8" in result.output


def test_a_description_file_that_is_binary_is_a_one_line_error(tmp_path):
    path = tmp_path / "d.txt"
    path.write_bytes(b"\x00\x01\x02 hello")
    result = invoke("scenario", "--description-file", path, "--estimate-only", ok=False)
    assert result.exit_code == 2 and "NUL" in result.output


@pytest.mark.parametrize("option,value", [("-p", ""), ("-p", "  "), ("--shots", "")])
def test_an_empty_path_is_refused(option, value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["run", option, value] + (["-p", "x"] if option == "--shots" else [])
    result = invoke(*args, ok=False)
    assert result.exit_code == 2 and "empty path" in result.output
    assert list(tmp_path.iterdir()) == []


# ---- paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["-film", "my film é 映画", "a:b"])
def test_any_project_path_a_user_can_type_makes_a_film(tmp_path, shots_file, monkeypatch,
                                                       name):
    monkeypatch.chdir(tmp_path)
    invoke("run", "--shots", shots_file, "-p", name, "--resolution", "320x180", "-q",
           "--burn-subtitles")
    final = tmp_path / name / "final.mp4"
    planned = json.loads((tmp_path / name / "manifest.json").read_text())[
        "artifacts"]["final.mp4"]["meta"]["duration"]
    info = probe(final)
    assert info.duration == pytest.approx(planned, abs=0.1) and planned >= 2.0
    assert len(info.video) == 1 and len(info.audio) == 1


# ---- machine output tells the truth --------------------------------------------------------


def test_a_failed_compose_is_an_error_event_and_listed_by_run_finished(tmp_path, shots_file):
    project = tmp_path / "p"
    invoke("run", "--shots", shots_file, "-p", project, "--resolution", "320x180", "-q")
    clip = project / "clips" / "shot_002.mp4"
    clip.write_bytes(clip.read_bytes()[:1500])  # damaged
    result = invoke("compose", "-p", project, "--transition", "fade", "--json", ok=False)
    assert result.exit_code == 7
    events = [json.loads(line) for line in result.stdout.splitlines()]
    errors = [e for e in events if e["event"] == "error"]
    # the damaged clip fails where `film compose` first reads it: bringing it to the film's
    # format (the normalise stage the command runs first)
    assert len(errors) == 1 and errors[0]["stage"] == "normalise"
    assert events[-1]["event"] == "run_finished"
    assert events[-1]["error"] and any("normalise" in f for f in events[-1]["failures"])
    assert not any(e["event"] == "artifact_done" and e["stage"] == "compose" for e in events)


def test_an_error_before_the_run_is_an_error_event_too(tmp_path, shots_file):
    result = invoke("images", shots_file, "-p", tmp_path / "p", "--provider", "fall", "--json",
                    ok=False)
    event = json.loads(result.stdout.splitlines()[-1])
    assert event["event"] == "error" and event["exit_code"] == 3 and "fall" in event["message"]


# ---- signals -------------------------------------------------------------------------------


def _film(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "FILM_HOME": str(cwd / "home")}
    return subprocess.Popen([sys.executable, "-m", "film", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _ffmpeg_children_of(project: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "ffmpeg" in cmdline and str(project) in cmdline:
            found.append(cmdline)
    return found


@pytest.mark.parametrize("signum,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_stops_the_run_cleanly_and_the_next_run_resumes(tmp_path, signum, code):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(6, duration=2.0, lines={0: "Up we go."}).to_json())
    project = tmp_path / "p"
    proc = _film("run", "--shots", str(shots), "-p", str(project), "--resolution", "320x180",
                 cwd=tmp_path)
    deadline = time.monotonic() + 60
    while not list((project / "clips").glob("shot_*.mp4")) and proc.poll() is None:
        assert time.monotonic() < deadline, "no clip was made"
        time.sleep(0.05)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert f"interrupted ({signal.Signals(signum).name})" in stderr
    assert "Traceback" not in stderr
    assert not list(project.rglob(".*.tmp-*")), "temporary files were left"
    assert _ffmpeg_children_of(project) == []
    made_before = {p.name for p in (project / "clips").glob("shot_*.mp4")}

    again = _film("run", "-p", str(project), "--json", cwd=tmp_path)
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    finished = json.loads(stdout.splitlines()[-1])
    assert finished["stages"]["video"]["reused"] >= len(made_before) >= 1
    # six shots of 2 s joined by five 0.5 s crossfades
    assert probe(project / "final.mp4").duration == pytest.approx(12 - 5 * 0.5, abs=0.1)
